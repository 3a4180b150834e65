// The call-taker page. Text goes only to this origin's API; user text is only ever put into the
// page with textContent / text nodes, never as HTML.
"use strict";

(() => {
  const KEY_STORAGE = "triage.apiKey";
  const DEBOUNCE_MS = 400;
  const COLOUR_CLASSES = { 绿: "badge-green", 黄: "badge-yellow", 红: "badge-red" };
  const REVIEW_REASON_NAMES = {
    LOW_CONFIDENCE_TYPE: "纠纷类型把握不足",
    CLOSE_CALL_TYPE: "两种纠纷类型难以区分",
    LOW_CONFIDENCE_GRADE: "风险等级把握不足",
    CLOSE_CALL_GRADE: "两个风险等级难以区分",
    ESCALATION_UNCERTAIN: "暴力升级判断处于临界",
  };
  const HEAD_NAMES = { dispute_type: "纠纷类型依据", risk_grade: "风险等级依据" };
  const ESCALATION_CHOICES = [
    { id: "true", name: "是" },
    { id: "false", name: "否" },
  ];

  const $ = (id) => document.getElementById(id);
  const record = $("record");

  let timer = null;
  let controller = null;
  let sequence = 0;
  let current = null;
  let labelsReady = false;

  function setStatus(text) {
    $("status").textContent = text;
  }

  function apiKey() {
    return sessionStorage.getItem(KEY_STORAGE);
  }

  function askForKey(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    $("work").hidden = true;
    $("change-key").hidden = true;
    $("key-panel").hidden = false;
    setStatus(message || "");
    $("api-key").value = "";
    $("api-key").focus();
  }

  function showWork() {
    $("key-panel").hidden = true;
    $("work").hidden = false;
    $("change-key").hidden = false;
    record.focus();
  }

  function api(path, options) {
    const headers = { "X-API-Key": apiKey() || "" };
    if (options && options.body) headers["Content-Type"] = "application/json";
    return fetch(path, Object.assign({ headers, credentials: "same-origin" }, options));
  }

  async function readError(response) {
    try {
      const body = await response.json();
      if (body && body.error) return body.error;
    } catch (ignored) {
      // A reply that is not JSON: fall through to a generic message.
    }
    return { code: "HTTP_" + response.status, message: "服务返回错误" };
  }

  function showError(error) {
    const box = $("error");
    box.textContent = "请求失败：" + error.message + "（" + error.code + "）";
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  // --- labels and the correction form -------------------------------------------------------

  function buildChoices(head, choices) {
    const box = $("choice-" + head);
    box.replaceChildren();
    for (const choice of choices) {
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "radio";
      input.name = head;
      input.value = choice.id;
      input.required = true;
      const name = document.createElement("span");
      name.textContent = choice.name;
      const hint = document.createElement("small");
      hint.className = "hint";
      label.append(input, name, hint);
      box.append(label);
    }
  }

  async function loadLabels() {
    const response = await api("/v1/model", { method: "GET" });
    if (response.status === 401) {
      askForKey("API 密钥无效，请重新输入。");
      return false;
    }
    if (!response.ok) {
      showWork();
      showError(await readError(response));
      return false;
    }
    const info = await response.json();
    buildChoices("dispute_type", info.labels.dispute_type);
    buildChoices("risk_grade", info.labels.risk_grade);
    buildChoices("escalation", ESCALATION_CHOICES);
    labelsReady = true;
    return true;
  }

  function preselect(head, predicted) {
    for (const input of document.querySelectorAll('input[name="' + head + '"]')) {
      const isPredicted = input.value === predicted;
      input.checked = isPredicted;
      input.parentElement.classList.toggle("predicted", isPredicted);
      input.parentElement.querySelector(".hint").textContent = isPredicted ? "（模型）" : "";
    }
  }

  function chosen(head) {
    const input = document.querySelector('input[name="' + head + '"]:checked');
    return input ? input.value : null;
  }

  // --- triage --------------------------------------------------------------------------------

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(triageNow, delay);
  }

  async function triageNow() {
    clearTimeout(timer);
    if (controller) controller.abort();
    controller = null;
    const text = record.value;
    const mine = ++sequence;
    if (!text.trim()) {
      current = null;
      $("result").hidden = true;
      $("mirror").replaceChildren();
      clearError();
      setStatus("");
      return;
    }
    controller = new AbortController();
    setStatus("分析中…");
    let response;
    try {
      response = await api("/v1/triage", {
        method: "POST",
        body: JSON.stringify({ text }),
        signal: controller.signal,
      });
    } catch (error) {
      if (error.name === "AbortError") return;
      if (mine === sequence) {
        setStatus("");
        showError({ code: "NETWORK", message: "无法连接分析服务" });
      }
      return;
    }
    if (mine !== sequence) return;
    if (response.status === 401) {
      askForKey("API 密钥无效或已失效，请重新输入。");
      return;
    }
    if (!response.ok) {
      setStatus("");
      showError(await readError(response));
      return;
    }
    const result = await response.json();
    if (mine !== sequence) return;
    current = { requestId: response.headers.get("X-Request-ID"), text, result };
    render(current);
    setStatus("已更新");
  }

  function render(state) {
    const r = state.result;
    clearError();
    $("result").hidden = false;

    const review = $("review");
    review.hidden = !r.needs_review;
    const reasons = $("review-reasons");
    reasons.replaceChildren();
    for (const code of r.review_reasons) {
      const item = document.createElement("li");
      item.textContent = REVIEW_REASON_NAMES[code] || code;
      reasons.append(item);
    }

    const type = r.dispute_type;
    $("dispute-type").textContent =
      type.name + "（" + type.label + "）  " + percent(type.scores[type.label]);

    const grade = r.risk_grade;
    const badge = $("grade-badge");
    const colourClass = COLOUR_CLASSES[grade.colour];
    badge.className = "badge " + (colourClass || "badge-neutral");
    badge.textContent = colourClass ? grade.name : grade.name + " · " + grade.colour;
    badge.title = "颜色：" + grade.colour;
    badge.dataset.colour = grade.colour;
    $("grade-score").textContent = percent(grade.scores[grade.label]);

    const escalation = r.escalation;
    $("escalation").textContent =
      (escalation.flag ? "有升级风险" : "暂无升级迹象") +
      "（概率 " + percent(escalation.probability) + "）";

    const suggestions = $("suggestions");
    suggestions.replaceChildren();
    for (const text of r.suggestions) {
      const item = document.createElement("li");
      item.textContent = text;
      suggestions.append(item);
    }

    renderMirror(state.text, r.evidence);
    $("model-version").textContent = r.model_version;

    if (labelsReady) {
      preselect("dispute_type", type.label);
      preselect("risk_grade", grade.label);
      preselect("escalation", String(escalation.flag));
    }
    $("correction-status").textContent = "";
    $("submit-correction").disabled = false;
  }

  function percent(value) {
    return typeof value === "number" ? Math.round(value * 100) + "%" : "";
  }

  // Offsets from the API count Unicode code points (Python strings); JavaScript strings count
  // UTF-16 units, so the text is split into code points first.
  function renderMirror(text, evidence) {
    const points = Array.from(text);
    const heads = points.map(() => new Set());
    for (const item of evidence) {
      const start = Math.max(0, item.start);
      const end = Math.min(points.length, item.end);
      for (let i = start; i < end; i += 1) heads[i].add(item.head);
    }
    const mirror = $("mirror");
    mirror.replaceChildren();
    let i = 0;
    while (i < points.length) {
      const key = Array.from(heads[i]).sort().join(" ");
      let j = i + 1;
      while (j < points.length && Array.from(heads[j]).sort().join(" ") === key) j += 1;
      const piece = points.slice(i, j).join("");
      if (key) {
        const mark = document.createElement("mark");
        mark.textContent = piece;
        if (heads[i].has("risk_grade")) mark.classList.add("risk");
        mark.title = key.split(" ").map((head) => HEAD_NAMES[head] || head).join("、");
        mirror.append(mark);
      } else {
        mirror.append(document.createTextNode(piece));
      }
      i = j;
    }
  }

  // --- corrections ---------------------------------------------------------------------------

  async function submitCorrection(event) {
    event.preventDefault();
    if (!current) return;
    const status = $("correction-status");
    const body = {
      request_id: current.requestId,
      text: current.text,
      dispute_type: chosen("dispute_type"),
      risk_grade: chosen("risk_grade"),
      escalation: chosen("escalation") === "true",
    };
    $("submit-correction").disabled = true;
    status.textContent = "提交中…";
    let response;
    try {
      response = await api("/v1/feedback", { method: "POST", body: JSON.stringify(body) });
    } catch (error) {
      status.textContent = "提交失败：无法连接服务";
      $("submit-correction").disabled = false;
      return;
    }
    if (response.status === 401) {
      askForKey("API 密钥无效或已失效，请重新输入。");
      return;
    }
    if (!response.ok) {
      const error = await readError(response);
      status.textContent = "提交失败：" + error.message + "（" + error.code + "）";
      $("submit-correction").disabled = false;
      return;
    }
    const stored = await response.json();
    const names = { dispute_type: "纠纷类型", risk_grade: "风险等级", escalation: "暴力升级" };
    status.textContent = stored.changed.length
      ? "已提交更正（" + stored.changed.map((head) => names[head]).join("、") + "），编号 " + stored.id
      : "已确认模型结果，编号 " + stored.id;
  }

  // --- wiring --------------------------------------------------------------------------------

  async function start() {
    $("key-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY_STORAGE, $("api-key").value.trim());
      $("api-key").value = "";
      if (await loadLabels()) {
        setStatus("");
        showWork();
        if (record.value.trim()) triageNow();
      }
    });
    $("change-key").addEventListener("click", () => askForKey("请输入新的 API 密钥。"));
    record.addEventListener("input", () => schedule(DEBOUNCE_MS));
    record.addEventListener("paste", () => schedule(0));
    record.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        triageNow();
      }
    });
    $("correction").addEventListener("submit", submitCorrection);

    if (!apiKey()) {
      askForKey("");
      return;
    }
    if (await loadLabels()) showWork();
  }

  start();
})();

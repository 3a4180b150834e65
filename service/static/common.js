// Shared by the call-taker page (app.js) and the review queue (review.js): the API key, calls to
// this origin's API, Chinese messages for every error code, and the rendering of one result with
// its correction form. User text is only ever put into the page with textContent / text nodes,
// never as HTML.
"use strict";

window.TriageCommon = (() => {
  const KEY_STORAGE = "triage.apiKey";
  // The service answers REQUEST_TIMEOUT after limits.request_timeout_s (10 s by default); the
  // page gives up a little later, so a hung connection never leaves a pending analysis on screen.
  const CLIENT_TIMEOUT_MS = 15000;

  // Chinese message per error code: every code of service/errors.py (a test checks), plus the
  // codes the page makes itself (NETWORK_ERROR, CLIENT_TIMEOUT, HTTP_ERROR, FILE_*).
  const ERROR_MESSAGES = {
    BAD_REQUEST: "请求格式有误，请刷新页面后重试",
    INVALID_JSON: "请求内容不是有效的 JSON，请刷新页面后重试",
    FORBIDDEN: "没有权限执行此操作",
    NOT_FOUND: "服务上没有这项功能（可能未开启），请联系管理员",
    METHOD_NOT_ALLOWED: "服务不接受这种请求方式，请刷新页面后重试",
    CONFLICT: "请求与服务当前状态冲突，请稍后重试",
    BODY_TOO_LARGE: "提交的内容过大，请缩短后再试",
    UNSUPPORTED_MEDIA_TYPE: "服务不接受这种请求格式，请刷新页面后重试",
    VALIDATION_ERROR: "请求内容不符合接口要求，请刷新页面后重试",
    TOO_MANY_RECORDS: "一次提交的记录过多，请分批提交",
    API_KEY_MISSING: "缺少 API 密钥，请输入密钥",
    API_KEY_INVALID: "API 密钥无效，请重新输入",
    ADMIN_KEY_REQUIRED: "此操作需要管理员密钥",
    NOT_TEXT: "警情内容必须是文字",
    EMPTY_TEXT: "警情内容为空，请先输入内容",
    TEXT_TOO_LONG: "警情内容过长，超出服务允许的字数，请删减或拆分后再分析",
    INVALID_CHARACTERS: "警情内容含有无法识别的字符（编码损坏），请重新粘贴或输入文字",
    INVALID_ID: "记录编号无效：只能是文字或整数",
    UNKNOWN_LABEL: "更正的标签无效，请从列出的选项中选择",
    UNKNOWN_REQUEST_ID: "服务中找不到这次分析的记录，请重新分析后再提交更正",
    FEEDBACK_TEXT_MISMATCH: "提交更正的文本与当时分析的文本不一致，未保存；请重新分析后再提交更正",
    FEEDBACK_NOT_ALLOWED: "这条分析结果属于其他坐席，只有本人或管理员可以更正",
    RATE_LIMITED: "提交更正过于频繁，请稍候再试",
    DATABASE_UNAVAILABLE: "反馈数据库暂时无法使用，请稍后重试或联系管理员",
    DATABASE_TOO_NEW: "反馈数据库的版本比本服务新，请联系管理员",
    MODEL_NOT_READY: "模型尚未就绪，请稍后重试",
    REQUEST_TIMEOUT: "服务分析超时，请稍后重试",
    INTERNAL_ERROR: "服务内部出错，请稍后重试；如果反复出现，请把请求编号告知管理员",
    MODEL_DIR_NOT_ALLOWED: "不允许加载这个模型目录",
    RELOAD_IN_PROGRESS: "模型正在重新加载，请稍后重试",
    BUNDLE_NOT_FOUND: "模型目录中没有清单文件（manifest.json）",
    BUNDLE_MANIFEST_INVALID: "模型清单文件已损坏",
    BUNDLE_FORMAT_UNSUPPORTED: "模型格式版本不受支持",
    BUNDLE_FILE_MISSING: "模型缺少文件",
    BUNDLE_HASH_MISMATCH: "模型文件校验不通过",
    BUNDLE_ARCHITECTURE_MISMATCH: "模型类型与加载方式不符",
    BUNDLE_CHANGED_WHILE_LOADING: "模型在加载过程中被替换，请重试",
    MODEL_BUNDLE_ERROR: "模型无法加载",
    UNKNOWN_COMPONENT: "模型使用了本软件不支持的结构",
    WARMUP_FAILED: "模型预热失败",
    BUNDLE_SELF_CHECK_FAILED: "模型可以加载但无法给出分析结果，请重新训练模型",
    SETTINGS_INVALID: "服务配置有误，请联系管理员",
    CONFIG_FILE_NOT_FOUND: "找不到服务配置文件",
    CONFIG_FILE_INVALID: "服务配置文件格式有误",
    AUTH_NO_KEYS: "服务没有配置任何 API 密钥",
    RESUME_UNSUPPORTED: "Parquet 输出不支持断点续跑",
    RESUME_MISMATCH: "未完成的输出文件与输入文件不符",
    PARTIAL_OUTPUT_EXISTS: "已有上次中断的输出文件：请用 --resume 续跑或 --restart 重新开始",
    RESUME_CONFLICT: "--resume 与 --restart 不能同时使用",
    MISSING_COLUMN: "输入文件缺少文本列",
    FILE_NOT_FOUND: "找不到输入文件",
    UNKNOWN_FORMAT: "无法识别文件格式",
    MALFORMED_LINE: "文件中有格式错误的行",
    MALFORMED_FILE: "文件无法读取",
    NOT_UTF8: "文件不是 UTF-8 编码的文本",
    DECODE_FAILED: "文件编码无法识别，请指定文件编码（如 GB18030）",
    UNKNOWN_ENCODING: "不支持所指定的文件编码",
    PORT_IN_USE: "服务端口已被占用",
    LISTEN_FAILED: "服务无法在所设地址和端口上启动",
    INVALID_OPTION: "命令参数取值有误",
    MISSING_DEPENDENCY: "缺少命令所需的软件包",
    UNEXPECTED_ERROR: "命令意外失败，请联系管理员",
    NETWORK_ERROR: "无法连接分析服务，请检查网络后重试",
    CLIENT_TIMEOUT: "服务长时间没有答复（分析超时），结果已清除，请稍后重试",
    HTTP_ERROR: "服务返回了无法识别的错误",
    FILE_NOT_JSONL: "文件中有一行不是有效的 JSON 对象",
    FILE_NO_TEXT: "这条记录没有原文，无法复核",
  };

  // Fallback Chinese text of review reason codes, used only when a reply carries no Chinese
  // text of its own (models/review.py declares the authoritative names).
  const REVIEW_REASON_NAMES = {
    CUE_CONTRADICTS_MODEL: "文中有凶器、扬言杀人、自伤、纵火或群体性线索，与模型判断不符",
    LOW_CONFIDENCE_TYPE: "纠纷类型把握不足",
    CLOSE_CALL_TYPE: "两种纠纷类型难以区分",
    LOW_CONFIDENCE_GRADE: "风险等级把握不足",
    CLOSE_CALL_GRADE: "两个风险等级难以区分",
    ESCALATION_UNCERTAIN: "暴力升级判断处于临界",
  };

  const COLOUR_CLASSES = { 绿: "badge-green", 黄: "badge-yellow", 红: "badge-red" };
  const HEAD_NAMES = { dispute_type: "纠纷类型", risk_grade: "风险等级", escalation: "暴力升级" };
  const EVIDENCE_NAMES = {
    dispute_type: "纠纷类型依据",
    risk_grade: "风险等级依据",
    escalation: "暴力升级依据",
  };
  const ESCALATION_CHOICES = [
    { id: "true", name: "有升级风险" },
    { id: "false", name: "无升级迹象" },
  ];
  const HEADS = ["dispute_type", "risk_grade", "escalation"];
  const TOP_CLASSES = 3;

  const $ = (id) => document.getElementById(id);

  // Label id -> Chinese name, per head; filled from GET /v1/model.
  const labelNames = {
    dispute_type: {},
    risk_grade: {},
    escalation: { true: "有升级风险", false: "无升级迹象" },
  };
  // Number key -> [head, value] for the correction shortcuts.
  let shortcuts = {};
  let maxTextChars = null;

  function apiKey() {
    return sessionStorage.getItem(KEY_STORAGE);
  }

  function setApiKey(value) {
    sessionStorage.setItem(KEY_STORAGE, value);
  }

  function forgetApiKey() {
    sessionStorage.removeItem(KEY_STORAGE);
  }

  function api(path, options) {
    const headers = { "X-API-Key": apiKey() || "" };
    if (options && options.body) headers["Content-Type"] = "application/json";
    return fetch(path, Object.assign({ headers, credentials: "same-origin" }, options));
  }

  // POST a JSON body with a client timeout. Resolves to {ok, status, body, requestId} or
  // {ok: false, error}; rejects only with an AbortError when `signal` (the caller's) aborted.
  async function postJson(path, body, signal) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, CLIENT_TIMEOUT_MS);
    const onAbort = () => controller.abort();
    if (signal) {
      if (signal.aborted) controller.abort();
      signal.addEventListener("abort", onAbort);
    }
    try {
      const response = await api(path, {
        method: "POST",
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const requestId = response.headers.get("X-Request-ID");
      if (!response.ok) {
        return { ok: false, status: response.status, error: await readError(response) };
      }
      return { ok: true, status: response.status, body: await response.json(), requestId };
    } catch (error) {
      if (timedOut) return { ok: false, status: 0, error: { code: "CLIENT_TIMEOUT" } };
      if (error.name === "AbortError") throw error;
      return { ok: false, status: 0, error: { code: "NETWORK_ERROR" } };
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    }
  }

  async function readError(response) {
    try {
      const body = await response.json();
      if (body && body.error && body.error.code) return body.error;
    } catch (error) {
      if (error.name === "AbortError") throw error;
      // A reply that is not JSON: fall through to a generic error.
    }
    return { code: "HTTP_ERROR", status: response.status };
  }

  // The Chinese text for an error: never the service's English message.
  function errorText(error) {
    let text = ERROR_MESSAGES[error.code] || ERROR_MESSAGES.HTTP_ERROR;
    if (error.code === "TEXT_TOO_LONG" && maxTextChars) {
      text = "警情内容过长（超过 " + maxTextChars + " 字），请删减或拆分后再分析";
    }
    const refs = ["代码 " + error.code + (error.status ? " " + error.status : "")];
    if (error.request_id) refs.push("请求编号 " + error.request_id);
    return text + "（" + refs.join("，") + "）";
  }

  // --- labels and the correction form -------------------------------------------------------

  async function loadModelInfo() {
    const response = await api("/v1/model", { method: "GET" });
    if (!response.ok) {
      return { ok: false, status: response.status, error: await readError(response) };
    }
    const info = await response.json();
    for (const head of ["dispute_type", "risk_grade"]) {
      for (const label of info.labels[head]) labelNames[head][label.id] = label.name;
    }
    maxTextChars = info.limits ? info.limits.max_text_chars : null;
    buildChoices(info.labels);
    return { ok: true, info };
  }

  function buildChoices(labels) {
    shortcuts = {};
    let number = 0;
    const all = {
      dispute_type: labels.dispute_type,
      risk_grade: labels.risk_grade,
      escalation: ESCALATION_CHOICES,
    };
    for (const head of HEADS) {
      const box = $("choice-" + head);
      box.replaceChildren();
      for (const choice of all[head]) {
        number += 1;
        const key = number <= 10 ? String(number % 10) : null;
        const label = document.createElement("label");
        const input = document.createElement("input");
        input.type = "radio";
        input.name = head;
        input.value = choice.id;
        input.required = true;
        const name = document.createElement("span");
        name.textContent = choice.name;
        label.append(input);
        if (key !== null) {
          const kbd = document.createElement("kbd");
          kbd.textContent = key;
          kbd.setAttribute("aria-hidden", "true");
          label.append(kbd);
          input.setAttribute("aria-keyshortcuts", key);
          shortcuts[key] = [head, choice.id];
        }
        const hint = document.createElement("small");
        hint.className = "hint";
        label.append(name, hint);
        box.append(label);
      }
    }
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

  // Corrections are possible only while a result for the text on screen is shown.
  function setCorrectionEnabled(enabled) {
    $("correction-fields").disabled = !enabled;
    $("submit-correction").disabled = !enabled;
  }

  function correctionEnabled() {
    return !$("submit-correction").disabled;
  }

  // A number key picks a label (see buildChoices); true when the key was one.
  function applyShortcut(key) {
    const target = shortcuts[key];
    if (!target || !correctionEnabled()) return false;
    const input = document.querySelector(
      'input[name="' + target[0] + '"][value="' + target[1] + '"]'
    );
    if (!input) return false;
    input.checked = true;
    input.focus();
    return true;
  }

  function isTyping(target) {
    if (!target) return false;
    if (target.tagName === "TEXTAREA") return true;
    const typed = !["radio", "checkbox", "file", "button", "submit"].includes(target.type);
    return target.tagName === "INPUT" && typed;
  }

  // POST /v1/feedback for the prediction `requestId` made on `text`; returns postJson's result.
  function sendCorrection(requestId, text) {
    return postJson("/v1/feedback", {
      request_id: requestId,
      text,
      dispute_type: chosen("dispute_type"),
      risk_grade: chosen("risk_grade"),
      escalation: chosen("escalation") === "true",
    });
  }

  function correctionSummary(stored) {
    return stored.changed.length
      ? "已提交更正（" + stored.changed.map((head) => HEAD_NAMES[head]).join("、") + "），编号 " + stored.id
      : "已确认模型结果，编号 " + stored.id;
  }

  // --- one result ----------------------------------------------------------------------------

  function percent(value) {
    return typeof value === "number" ? Math.round(value * 100) + "%" : "";
  }

  function labelName(head, prediction) {
    return prediction.name || labelNames[head][prediction.label] || prediction.label;
  }

  // The reply's own Chinese text for each reason when it carries one (reason objects, or a
  // parallel list or mapping of names), else the table above, else the code itself.
  function reviewReasonTexts(result) {
    const names = result.review_reason_names || result.review_reasons_zh || result.review_notes;
    return (result.review_reasons || []).map((reason, i) => {
      if (reason && typeof reason === "object") {
        return reason.name || reason.text || reason.message || reason.code || "";
      }
      if (Array.isArray(names) && typeof names[i] === "string") return names[i];
      if (names && typeof names === "object" && typeof names[reason] === "string") {
        return names[reason];
      }
      return REVIEW_REASON_NAMES[reason] || reason;
    });
  }

  function renderBars(box, head, scores) {
    box.replaceChildren();
    const ranked = Object.entries(scores || {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_CLASSES);
    for (const [label, score] of ranked) {
      const row = document.createElement("div");
      row.className = "bar-row";
      const name = document.createElement("span");
      name.className = "bar-name";
      name.textContent = labelNames[head][label] || label;
      const track = document.createElement("span");
      track.className = "bar-track";
      const fill = document.createElement("span");
      fill.className = "bar-fill bar-" + head;
      fill.style.width = Math.max(0, Math.min(100, score * 100)).toFixed(1) + "%";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      value.textContent = percent(score);
      row.append(name, track, value);
      box.append(row);
    }
  }

  function renderResult(result, text) {
    const review = $("review");
    review.hidden = !result.needs_review;
    const reasons = $("review-reasons");
    reasons.replaceChildren();
    for (const reason of reviewReasonTexts(result)) {
      const item = document.createElement("li");
      item.textContent = reason;
      reasons.append(item);
    }

    const type = result.dispute_type;
    $("dispute-type").textContent = labelName("dispute_type", type);
    $("type-score").textContent = percent(type.scores[type.label]);
    renderBars($("type-bars"), "dispute_type", type.scores);

    const grade = result.risk_grade;
    const badge = $("grade-badge");
    const colourClass = COLOUR_CLASSES[grade.colour];
    const gradeName = labelName("risk_grade", grade);
    badge.className = "badge " + (colourClass || "badge-neutral");
    badge.textContent = colourClass ? gradeName : gradeName + " · " + grade.colour;
    badge.title = "颜色：" + grade.colour;
    badge.dataset.colour = grade.colour;
    $("grade-score").textContent = percent(grade.scores[grade.label]);
    renderBars($("grade-bars"), "risk_grade", grade.scores);

    const escalation = result.escalation;
    $("escalation").textContent = escalation.flag ? "有升级风险" : "暂无升级迹象";
    $("escalation-score").textContent = "概率 " + percent(escalation.probability);
    renderBars($("escalation-bars"), "escalation", { true: escalation.probability });

    const suggestions = $("suggestions");
    suggestions.replaceChildren();
    for (const line of result.suggestions) {
      const item = document.createElement("li");
      item.textContent = line;
      suggestions.append(item);
    }

    renderCues($("cues"), result.cues || []);
    renderMirror($("mirror"), text, result.evidence || [], result.cues || []);
    $("model-version").textContent = result.model_version;

    preselect("dispute_type", type.label);
    preselect("risk_grade", grade.label);
    preselect("escalation", String(escalation.flag));
    $("correction-status").textContent = "";
  }

  function renderCues(box, cues) {
    box.replaceChildren();
    if (!cues.length) {
      const none = document.createElement("li");
      none.className = "cue-none";
      none.textContent = "未发现规则线索";
      box.append(none);
      return;
    }
    for (const cue of cues) {
      const item = document.createElement("li");
      item.className = "cue" + (cue.negated ? " cue-negated" : "");
      const kind = document.createElement("span");
      kind.className = "cue-kind";
      kind.textContent = cue.name;
      const phrase = document.createElement("span");
      phrase.className = "cue-phrase";
      phrase.textContent = cue.phrase;
      item.append(kind, phrase);
      if (cue.negated) {
        const note = document.createElement("small");
        note.textContent = "（否定）";
        item.append(note);
      }
      box.append(item);
    }
  }

  // Offsets from the API count Unicode code points (Python strings); JavaScript strings count
  // UTF-16 units, so the text is split into code points first. Evidence is coloured by head;
  // non-negated cue spans are underlined.
  function renderMirror(mirror, text, evidence, cues) {
    const points = Array.from(text);
    const heads = points.map(() => new Set());
    const cueSpans = cues.filter((cue) => !cue.negated).map((cue) => ({ ...cue, head: "cue" }));
    const spans = evidence.concat(cueSpans);
    for (const item of spans) {
      const start = Math.max(0, item.start);
      const end = Math.min(points.length, item.end);
      for (let i = start; i < end; i += 1) heads[i].add(item.head);
    }
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
        const names = [];
        for (const head of heads[i]) {
          if (head === "cue") {
            mark.classList.add("cue-span");
            names.push("规则线索");
          } else {
            mark.classList.add("ev-" + head);
            names.push(EVIDENCE_NAMES[head] || head);
          }
        }
        mark.title = names.join("、");
        mirror.append(mark);
      } else {
        mirror.append(document.createTextNode(piece));
      }
      i = j;
    }
  }

  function plainMirror(mirror, text) {
    mirror.replaceChildren(document.createTextNode(text));
  }

  // --- the API-key panel, shared by both pages ------------------------------------------------

  function setStatus(text) {
    $("status").textContent = text;
  }

  function askForKey(message) {
    forgetApiKey();
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
  }

  return {
    CLIENT_TIMEOUT_MS,
    setStatus,
    askForKey,
    showWork,
    ERROR_MESSAGES,
    apiKey,
    setApiKey,
    forgetApiKey,
    api,
    postJson,
    errorText,
    loadModelInfo,
    setCorrectionEnabled,
    applyShortcut,
    isTyping,
    sendCorrection,
    correctionSummary,
    renderResult,
    renderMirror,
    plainMirror,
    labelName,
    reviewReasonTexts,
    percent,
  };
})();

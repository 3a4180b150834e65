// The review queue: the needs_review records of a `triage score` / `triage predict` JSONL output,
// read in the browser, stepped through with the keyboard, confirmed or corrected.
//
// Those outputs hold no text and were never served by this service, so there is no prediction a
// correction could name. Each record is therefore triaged again through POST /v1/triage when it
// is shown (with the text from the records file): the service records that prediction with a
// hash of the text, and the correction names it, exactly as on the call-taker page. The file's
// own prediction is shown beside it, with a note when the current model answers differently.
"use strict";

(() => {
  const T = window.TriageCommon;
  const $ = (id) => document.getElementById(id);

  let queue = [];
  let position = -1;
  let controller = null;
  let sequence = 0;
  // The served prediction of the record on screen: {item, requestId}; null while none is.
  let current = null;

  const setStatus = T.setStatus;
  const askForKey = T.askForKey;
  const showWork = T.showWork;

  function showError(prefix, error) {
    $("error").textContent = prefix + T.errorText(error);
    $("error").hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  // --- reading the files ---------------------------------------------------------------------

  class FileProblem extends Error {}

  // JSONL rows as [line number, object]; line numbers count every line from 1, blank ones too,
  // as `triage score` does when it numbers records without an id.
  async function readJsonl(file) {
    const rows = [];
    const lines = (await file.text()).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let row;
      try {
        row = JSON.parse(line);
      } catch (error) {
        row = null;
      }
      if (!row || typeof row !== "object" || Array.isArray(row)) {
        throw new FileProblem(
          T.ERROR_MESSAGES.FILE_NOT_JSONL + "：" + file.name + " 第 " + (i + 1) + " 行"
        );
      }
      rows.push([i + 1, row]);
    });
    return rows;
  }

  function idOf(number, row) {
    return row.id === undefined || row.id === null || row.id === "" ? String(number) : String(row.id);
  }

  async function loadQueue(event) {
    event.preventDefault();
    const resultsFile = $("results-file").files[0];
    const recordsFile = $("records-file").files[0];
    if (!resultsFile) return;
    let results;
    let records = [];
    try {
      results = await readJsonl(resultsFile);
      if (recordsFile) records = await readJsonl(recordsFile);
    } catch (error) {
      $("queue-summary").textContent = error instanceof FileProblem ? error.message : "文件无法读取";
      return;
    }
    const texts = new Map();
    for (const [number, row] of records.concat(results)) {
      if (typeof row.text === "string" && row.text.trim()) texts.set(idOf(number, row), row.text);
    }
    const flagged = results.filter(([, row]) => row.needs_review === true && !row.error);
    const withText = flagged.filter(([number, row]) => texts.has(idOf(number, row)));
    queue = withText.map(([number, row]) => ({
      id: idOf(number, row),
      line: number,
      text: texts.get(idOf(number, row)),
      filed: row,
      outcome: null,
    }));
    const skipped = flagged.length - withText.length;
    $("queue-summary").textContent =
      "结果文件共 " + results.length + " 条，其中需复核 " + flagged.length + " 条" +
      (skipped ? "；" + skipped + " 条在原始记录中找不到原文，已跳过" : "") +
      (queue.length ? "。" : "，没有可复核的记录。");
    renderQueueList();
    if (queue.length) show(0);
  }

  // --- one record ----------------------------------------------------------------------------

  function renderQueueList() {
    const list = $("queue-list");
    list.replaceChildren();
    queue.forEach((item, i) => {
      const entry = document.createElement("li");
      entry.textContent = item.id;
      if (i === position) entry.classList.add("current");
      if (item.outcome) entry.classList.add("done-" + item.outcome);
      entry.title = item.outcome === "corrected" ? "已更正" : item.outcome ? "已确认" : "待复核";
      list.append(entry);
    });
    $("position").textContent = queue.length
      ? "第 " + (position + 1) + " / " + queue.length + " 条"
      : "队列为空";
    $("prev").disabled = position <= 0;
    $("next").disabled = position < 0 || position >= queue.length - 1;
  }

  function describeFiled(row) {
    const type = row.dispute_type ? T.labelName("dispute_type", row.dispute_type) : "？";
    const grade = row.risk_grade ? T.labelName("risk_grade", row.risk_grade) : "？";
    const escalation = row.escalation && row.escalation.flag ? "有升级风险" : "暂无升级迹象";
    const reasons = T.reviewReasonTexts(row).join("；");
    return "文件中的结果：" + type + " · " + grade + " · " + escalation +
      (reasons ? "（复核原因：" + reasons + "）" : "");
  }

  function sameAsFiled(result, filed) {
    return Boolean(
      filed.dispute_type && filed.risk_grade && filed.escalation &&
      result.dispute_type.label === filed.dispute_type.label &&
      result.risk_grade.label === filed.risk_grade.label &&
      result.escalation.flag === filed.escalation.flag
    );
  }

  async function show(index) {
    if (controller) controller.abort();
    controller = null;
    sequence += 1;
    const mine = sequence;
    current = null;
    T.setCorrectionEnabled(false);
    $("result").hidden = true;
    clearError();
    position = index;
    renderQueueList();
    const item = queue[index];
    $("record-id").textContent = "记录编号 " + item.id + "（结果文件第 " + item.line + " 行）";
    $("file-prediction").textContent = describeFiled(item.filed);
    T.plainMirror($("mirror"), item.text);
    setStatus("分析中…");
    controller = new AbortController();
    let reply;
    try {
      reply = await T.postJson("/v1/triage", { id: item.id, text: item.text }, controller.signal);
    } catch (error) {
      return; // Aborted: another record is on screen.
    }
    if (mine !== sequence || position !== index) return;
    controller = null;
    if (!reply.ok) {
      if (reply.status === 401) {
        askForKey("API 密钥无效或已失效，请重新输入。");
        return;
      }
      setStatus("");
      showError("分析失败：", reply.error);
      return;
    }
    T.renderResult(reply.body, item.text);
    if (!sameAsFiled(reply.body, item.filed)) {
      const note = document.createElement("span");
      note.className = "differs";
      note.textContent = " 当前模型的结果与文件不同，更正针对当前模型的结果保存。";
      $("file-prediction").append(note);
    }
    $("result").hidden = false;
    current = { item, requestId: reply.requestId };
    T.setCorrectionEnabled(Boolean(reply.requestId));
    setStatus(item.outcome ? "这条已处理过，可再次提交" : "");
  }

  async function submitCorrection(event) {
    event.preventDefault();
    if (!current) return;
    const target = current;
    T.setCorrectionEnabled(false);
    $("correction-status").textContent = "提交中…";
    const reply = await T.sendCorrection(target.requestId, target.item.text);
    if (reply.status === 401) {
      askForKey("API 密钥无效或已失效，请重新输入。");
      return;
    }
    if (current !== target) return;
    if (!reply.ok) {
      T.setCorrectionEnabled(true);
      $("correction-status").textContent = "提交失败：" + T.errorText(reply.error);
      return;
    }
    target.item.outcome = reply.body.changed.length ? "corrected" : "confirmed";
    const done = "记录 " + target.item.id + " " + T.correctionSummary(reply.body);
    if (position < queue.length - 1) {
      await show(position + 1);
      setStatus(done);
    } else {
      renderQueueList();
      T.setCorrectionEnabled(true);
      $("correction-status").textContent = T.correctionSummary(reply.body);
      setStatus(done + "；队列已到最后一条");
    }
  }

  function step(delta) {
    const next = position + delta;
    if (next >= 0 && next < queue.length) show(next);
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || T.isTyping(event.target)) return;
    if (!queue.length || $("work").hidden) return;
    if (event.key === "ArrowRight" || event.key === "j") {
      event.preventDefault();
      step(1);
    } else if (event.key === "ArrowLeft" || event.key === "k") {
      event.preventDefault();
      step(-1);
    } else if (/^[0-9]$/.test(event.key)) {
      if (T.applyShortcut(event.key)) event.preventDefault();
    } else if (event.key === "Enter" && current && event.target.tagName !== "BUTTON") {
      event.preventDefault();
      $("correction").requestSubmit();
    }
  }

  // --- wiring --------------------------------------------------------------------------------

  async function loadLabels() {
    const loaded = await T.loadModelInfo();
    if (loaded.ok) return true;
    if (loaded.status === 401) {
      askForKey("API 密钥无效，请重新输入。");
    } else {
      showWork();
      showError("无法读取模型信息：", loaded.error);
    }
    return false;
  }

  async function start() {
    T.setCorrectionEnabled(false);
    $("key-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      T.setApiKey($("api-key").value.trim());
      $("api-key").value = "";
      if (await loadLabels()) {
        setStatus("");
        showWork();
      }
    });
    $("change-key").addEventListener("click", () => askForKey("请输入新的 API 密钥。"));
    $("load-form").addEventListener("submit", loadQueue);
    $("prev").addEventListener("click", () => step(-1));
    $("next").addEventListener("click", () => step(1));
    $("correction").addEventListener("submit", submitCorrection);
    document.addEventListener("keydown", onKey);
    if (!T.apiKey()) {
      askForKey("");
      return;
    }
    if (await loadLabels()) showWork();
  }

  start();
})();

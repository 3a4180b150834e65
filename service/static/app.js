// The call-taker page. A result is shown only while it is the result for the text on screen:
// the moment the text changes the result is greyed out, corrections are disabled and the request
// in flight is aborted (AbortController); a late reply for older text is dropped; an error or a
// client timeout clears the result. Shared helpers and the Chinese error table are in common.js.
"use strict";

(() => {
  const T = window.TriageCommon;
  const DEBOUNCE_MS = 400;

  const $ = (id) => document.getElementById(id);
  const record = $("record");

  let timer = null;
  let controller = null;
  let sequence = 0;
  // The result on screen, only while it belongs to the text on screen: {requestId, text, result}.
  let current = null;
  let pasted = false;

  const setStatus = T.setStatus;
  const askForKey = T.askForKey;

  function showWork() {
    T.showWork();
    record.focus();
  }

  function showError(error) {
    const box = $("error");
    box.textContent = "分析失败：" + T.errorText(error);
    box.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  function abortInFlight() {
    if (controller) controller.abort();
    controller = null;
  }

  // The text changed: the result on screen is no longer for it.
  function markStale() {
    clearTimeout(timer);
    abortInFlight();
    sequence += 1;
    current = null;
    T.setCorrectionEnabled(false);
    $("correction-status").textContent = "";
    if (!$("result").hidden) {
      $("result").classList.add("stale");
      $("stale-note").hidden = false;
    }
    T.plainMirror($("mirror"), record.value);
  }

  // No result may be shown: an error, a timeout or an empty text.
  function clearResult() {
    current = null;
    T.setCorrectionEnabled(false);
    $("result").hidden = true;
    $("result").classList.remove("stale");
    $("stale-note").hidden = true;
    $("correction-status").textContent = "";
    T.plainMirror($("mirror"), record.value);
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(triageNow, delay);
  }

  async function triageNow() {
    markStale();
    const text = record.value;
    const mine = sequence;
    if (!text.trim()) {
      clearResult();
      clearError();
      setStatus("");
      return;
    }
    controller = new AbortController();
    setStatus("分析中…");
    let reply;
    try {
      reply = await T.postJson("/v1/triage", { text }, controller.signal);
    } catch (error) {
      return; // Aborted: newer text is on screen and has its own request.
    }
    // Belt and braces: only a reply for exactly the text on screen may be shown.
    if (mine !== sequence || text !== record.value) return;
    controller = null;
    if (!reply.ok) {
      if (reply.status === 401) {
        askForKey("API 密钥无效或已失效，请重新输入。");
        return;
      }
      clearResult();
      setStatus("");
      showError(reply.error);
      return;
    }
    current = { requestId: reply.requestId, text, result: reply.body };
    clearError();
    T.renderResult(reply.body, text);
    $("result").classList.remove("stale");
    $("stale-note").hidden = true;
    $("result").hidden = false;
    T.setCorrectionEnabled(Boolean(reply.requestId));
    setStatus("已更新");
  }

  // --- corrections ---------------------------------------------------------------------------

  async function submitCorrection(event) {
    event.preventDefault();
    if (!current || current.text !== record.value) return;
    const target = current;
    const status = $("correction-status");
    T.setCorrectionEnabled(false);
    status.textContent = "提交中…";
    const reply = await T.sendCorrection(target.requestId, target.text);
    if (reply.status === 401) {
      askForKey("API 密钥无效或已失效，请重新输入。");
      return;
    }
    if (current !== target) return; // The text changed meanwhile; its own result will come.
    T.setCorrectionEnabled(true);
    status.textContent = reply.ok
      ? T.correctionSummary(reply.body)
      : "提交失败：" + T.errorText(reply.error);
  }

  // Number keys pick a correction and Enter submits it, while the focus is not in the text box
  // (Esc leaves it).
  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target === record && event.key === "Escape") {
      event.preventDefault();
      $("correction").focus();
      return;
    }
    if (T.isTyping(event.target)) return;
    if (/^[0-9]$/.test(event.key) && T.applyShortcut(event.key)) {
      event.preventDefault();
      return;
    }
    const onControl = event.target.tagName === "BUTTON" || event.target.tagName === "A";
    if (event.key === "Enter" && !onControl && current) {
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
      showError(loaded.error);
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
        if (record.value.trim()) triageNow();
      }
    });
    $("change-key").addEventListener("click", () => askForKey("请输入新的 API 密钥。"));
    record.addEventListener("input", () => {
      markStale();
      schedule(pasted ? 0 : DEBOUNCE_MS);
      pasted = false;
    });
    record.addEventListener("paste", () => {
      pasted = true;
    });
    record.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        triageNow();
      }
    });
    document.addEventListener("keydown", onKey);
    $("correction").addEventListener("submit", submitCorrection);

    if (!T.apiKey()) {
      askForKey("");
      return;
    }
    if (await loadLabels()) showWork();
  }

  start();
})();

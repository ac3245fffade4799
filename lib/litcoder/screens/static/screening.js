// The screening pad: one record (title, authors, year, venue, the search it came from, the
// abstract, its link) and the screener's decision, on the keyboard or with the buttons.
// Each key's message names the record shown and carries the note as typed, so that keys
// pressed faster than the screen redraws still decide on what the screener saw.

const KEYS = [
  ["i", "include"],
  ["e, then 1–9", "exclude, with the reason of that number (Esc: not yet)"],
  ["m", "maybe"],
  ["r", "not retrieved: the report could not be obtained (full text only)"],
  ["n / p", "next / previous record"],
  ["u", "undo your last decision"],
  ["t", "write a note, saved with your next decision (Esc comes back)"],
  ["?", "show or hide these keys"],
];
const LABELS = { include: "include", exclude: "exclude", maybe: "maybe", "not-retrieved": "not retrieved" };
const STAGES = { "title-abstract": "title and abstract", "full-text": "full text" };

function escapeHtml(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function render({ model, el }) {
  el.classList.add("lc-sp");
  el.setAttribute("tabindex", "0");
  el.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab's own keys stay away
  el.setAttribute("aria-label", "Screening: i include, e exclude then the reason's number, m maybe, n next, ? keys");
  el.innerHTML = `
    <div class="lc-sp-top"><span class="lc-sp-where" aria-live="polite"></span>
      <span class="lc-sp-progress"></span></div>
    <article class="lc-sp-record">
      <h3 class="lc-sp-title"></h3>
      <div class="lc-sp-byline"></div>
      <div class="lc-sp-from"></div>
      <div class="lc-sp-link"></div>
      <div class="lc-sp-abstract"></div>
    </article>
    <div class="lc-sp-mine"></div>
    <div class="lc-sp-actions">
      <button type="button" data-action="include" class="lc-sp-include">Include (i)</button>
      <button type="button" data-action="exclude" class="lc-sp-exclude" aria-expanded="false">Exclude (e)</button>
      <button type="button" data-action="maybe">Maybe (m)</button>
      <button type="button" data-action="not-retrieved" class="lc-sp-not-retrieved">Not retrieved (r)</button>
      <span class="lc-sp-gap"></span>
      <button type="button" data-action="previous">Previous (p)</button>
      <button type="button" data-action="next">Next (n)</button>
      <button type="button" data-action="undo">Undo (u)</button>
      <button type="button" class="lc-sp-keys" aria-expanded="false">Keys (?)</button>
    </div>
    <div class="lc-sp-reasons-head"></div>
    <ol class="lc-sp-reasons"></ol>
    <label class="lc-sp-note-label">Note <textarea class="lc-sp-note" rows="2"
      placeholder="optional: saved with your decision (t to write here, Esc to come back)"></textarea></label>
    <div class="lc-sp-status" role="status" aria-live="polite"></div>
    <table class="lc-sp-help" hidden></table>`;
  const $ = (selector) => el.querySelector(selector);
  const note = $(".lc-sp-note");
  $(".lc-sp-help").innerHTML = KEYS.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("");
  let excluding = false; // e was pressed: a digit now picks the reason

  const send = (action, extra = {}) => {
    if (excluding) arm(false);
    model.send({ action, record: (model.get("record") || {}).record, note: note.value, ...extra });
  };

  function sayHere(message, kind = "plain") {
    const status = $(".lc-sp-status");
    status.textContent = message;
    status.className = `lc-sp-status lc-${kind}`;
  }

  function arm(on) {
    excluding = on && (model.get("reasons") || []).length > 0;
    el.classList.toggle("lc-sp-excluding", excluding);
    $(".lc-sp-exclude").setAttribute("aria-expanded", String(excluding));
    if (on && !excluding) sayHere("the committee has listed no reasons for excluding (litcoder.toml)", "error");
    else if (excluding) sayHere("exclude: press the reason's number (Esc: not yet)");
  }

  function drawRecord() {
    const r = model.get("record") || {};
    const empty = !r.record;
    $(".lc-sp-record").hidden = empty;
    if (empty) return;
    $(".lc-sp-title").textContent = r.title;
    const byline = [r.authors || "(no authors in the export)", r.year ? `(${r.year})` : "(no year)"].join(" ");
    $(".lc-sp-byline").innerHTML = `${escapeHtml(byline)}${r.container ? `. <i>${escapeHtml(r.container)}</i>` : ""}`;
    const also = (r.also || []).length ? ` · also found as ${(r.also || []).join(", ")}` : "";
    $(".lc-sp-from").textContent = `From: ${r.search} · record ${r.record}${also}`;
    $(".lc-sp-link").innerHTML = r.link
      ? `<a href="${escapeHtml(r.link)}" target="_blank" rel="noopener noreferrer">${escapeHtml(r.link_text)}</a>`
      : "<span class=\"lc-sp-none\">no DOI or web address in the export</span>";
    const abstract = $(".lc-sp-abstract");
    abstract.textContent = r.abstract || "no abstract in the export";
    abstract.classList.toggle("lc-sp-none", !r.abstract);
    arm(false);
  }

  function drawDecision() {
    const mine = model.get("mine") || {}, stage = model.get("stage");
    const box = $(".lc-sp-mine");
    if (!(model.get("record") || {}).record) { box.textContent = ""; return; }
    box.className = `lc-sp-mine${mine.decision ? ` lc-sp-${mine.decision}` : ""}`;
    box.textContent = mine.decision
      ? `Your decision at ${STAGES[stage]}: ${LABELS[mine.decision]}${mine.reason ? ` (${mine.reason})` : ""}` +
        `${mine.note ? ` · note: ${mine.note}` : ""} · ${mine.screened_at} (a new decision replaces it)`
      : `Not screened by you at ${STAGES[stage]} yet`;
  }

  function drawFrame() {
    $(".lc-sp-where").textContent = model.get("where");
    $(".lc-sp-progress").textContent = model.get("progress");
    const full = model.get("stage") === "full-text";
    $(".lc-sp-not-retrieved").hidden = !full;
    const reasons = model.get("reasons") || [];
    $(".lc-sp-reasons-head").textContent = reasons.length
      ? "Reasons for excluding (e, then the number" + (reasons.length > 9 ? "; beyond 9, click the reason" : "") + "):"
      : "The committee has listed no reasons for excluding ([screening] reasons in litcoder.toml).";
    $(".lc-sp-reasons").innerHTML = reasons.map((reason, i) =>
      `<li><button type="button" data-reason="${i + 1}">${i < 9 ? `<kbd>${i + 1}</kbd> ` : ""}` +
      `${escapeHtml(reason)}</button></li>`).join("");
  }

  function drawStatus() {
    sayHere(model.get("status"), model.get("status_kind") || "plain");
  }

  function toggleHelp() {
    const help = $(".lc-sp-help");
    help.hidden = !help.hidden;
    $(".lc-sp-keys").setAttribute("aria-expanded", String(!help.hidden));
  }

  el.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.reason) send("exclude", { reason: Number(button.dataset.reason) });
    else if (button.dataset.action === "exclude") arm(!excluding);
    else if (button.dataset.action) send(button.dataset.action);
    else if (button.classList.contains("lc-sp-keys")) toggleHelp();
    el.focus();
  });

  el.addEventListener("keydown", (event) => {
    if (event.target === note || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    let handled = true;
    if (excluding && /^[1-9]$/.test(key)) {
      const number = Number(key);
      if (number <= (model.get("reasons") || []).length) { arm(false); send("exclude", { reason: number }); }
      else sayHere(`there is no reason ${number}: choose 1 to ${(model.get("reasons") || []).length}`, "error");
    }
    else if (key === "Escape" && excluding) { arm(false); sayHere(""); }
    else if (key === "e") arm(!excluding);
    else if (/^[1-9]$/.test(key)) sayHere("to exclude, press e first, then the reason's number");
    else if (key === "i") send("include");
    else if (key === "m") send("maybe");
    else if (key === "r") send("not-retrieved");
    else if (key === "n") send("next");
    else if (key === "p") send("previous");
    else if (key === "u") send("undo");
    else if (key === "t") note.focus();
    else if (key === "?") toggleHelp();
    else handled = false;
    if (handled) { event.preventDefault(); event.stopPropagation(); }
  });

  // Typing in the note is typing, not shortcuts; Esc gives the keys back.
  note.addEventListener("keydown", (event) => {
    event.stopPropagation();
    if (event.key === "Escape") { event.preventDefault(); el.focus(); }
  });

  model.on("change:record", () => { drawRecord(); drawDecision(); });
  model.on("change:mine", drawDecision);
  model.on("change:stage", () => { drawFrame(); drawDecision(); });
  for (const name of ["where", "progress", "reasons"]) model.on(`change:${name}`, drawFrame);
  model.on("change:status", drawStatus);
  model.on("change:status_kind", drawStatus);
  model.on("msg:custom", (message) => {
    if (typeof message.note === "string") note.value = message.note;
    if (message.focus) el.focus();
  });
  drawFrame();
  drawRecord();
  drawDecision();
  drawStatus();
}

export default { render };

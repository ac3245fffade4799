// The coding pad: the passage as text to select, the competency search, the framing and
// Save, all reachable from the keyboard. Offsets sent to Python count code points (as
// Python's str does), not the UTF-16 units of JavaScript strings.

const FRAMINGS = ["leadership", "management", "both", "neither"];
const QUICK_KEYS = ["q", "w", "e", "r", "t"];
const SHORTCUTS = [
  ["select with the mouse", "the words become the quote (no selection: the whole passage)"],
  ["Shift+→ / Shift+←", "widen / narrow the quote's end by a word (Alt as well: its start)"],
  ["a", "quote the whole passage"],
  ["/", "search the codebook (label, id, definition, indicators); ↓ ↑ Enter to choose"],
  ["q w e r t", "choose a suggested or recently used competency"],
  ["1 2 3 4", "framing: leadership, management, both, neither"],
  ["f", "take the suggestion's framing as well"],
  ["Enter", "save the coding"],
  ["Esc", "clear the quote, or stop editing"],
  ["0", "nothing to code in this passage (again: take it back)"],
  ["n / p / u", "next / previous / next unjudged passage"],
  ["m", "write a memo (in it: Ctrl+Enter saves, Esc comes back)"],
  ["z", "undo the last change"],
  ["?", "show or hide these keys"],
];

function codePoints(text) {
  // utf16[i] = where code point i starts in the UTF-16 string (one more entry for the end)
  const utf16 = [0];
  for (const ch of text) utf16.push(utf16[utf16.length - 1] + ch.length);
  return utf16;
}

function toCodePoint(utf16, unit) {
  let lo = 0, hi = utf16.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (utf16[mid] <= unit) lo = mid; else hi = mid - 1;
  }
  return lo;
}

function escapeHtml(s) {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function fold(s) {
  return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function offsetIn(container, node, offset) {
  const range = document.createRange();
  range.setStart(container, 0);
  range.setEnd(node, offset);
  return range.toString().length;
}

function render({ model, el }) {
  el.classList.add("lc-pad");
  el.setAttribute("tabindex", "0");
  el.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab's own keys stay away
  el.setAttribute("aria-label", "Coding pad: select words of the passage, then press / to choose a competency");
  el.innerHTML = `
    <div class="lc-where" aria-live="polite"></div>
    <div class="lc-text" role="document"></div>
    <div class="lc-quote-line"></div>
    <div class="lc-quick"></div>
    <div class="lc-search-box">
      <input class="lc-search" type="text" placeholder="/ to search the codebook" aria-label="competency"
             autocomplete="off" spellcheck="false">
      <span class="lc-chosen"></span>
      <ul class="lc-options" role="listbox"></ul>
    </div>
    <div class="lc-framings" role="radiogroup" aria-label="framing"></div>
    <div class="lc-actions">
      <button class="lc-save" type="button">Save coding (Enter)</button>
      <button class="lc-cancel" type="button">Stop editing (Esc)</button>
      <button class="lc-nothing" type="button">Nothing to code here (0)</button>
      <button class="lc-undo" type="button">Undo (z)</button>
      <button class="lc-keys" type="button" aria-expanded="false">Keys (?)</button>
    </div>
    <div class="lc-status" role="status" aria-live="polite"></div>
    <table class="lc-help" hidden></table>`;
  const $ = (selector) => el.querySelector(selector);
  const text = $(".lc-text"), search = $(".lc-search"), options = $(".lc-options");
  $(".lc-help").innerHTML = SHORTCUTS.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("");
  let utf16 = codePoints(model.get("text"));
  let matches = [], active = 0, quickChosen = null;

  // A message goes at once while state changes wait their turn (ipywidgets sends one at a
  // time): each action carries the choices, so keys pressed fast save what is shown.
  const memoBox = () => el.closest(".lc-screen")?.querySelector(".lc-memo textarea");
  const send = (action, extra = {}) => model.send({
    action, competency: model.get("competency"), framing: model.get("framing"),
    selection: model.get("selection") || [], memo: memoBox()?.value, ...extra,
  });
  // The coder's choices stay in the browser until a key acts on them: each action carries
  // them (see send), so nothing is saved in an order other than the coder's.
  const setSelection = (span) => model.set("selection", span);

  function drawText() {
    const value = model.get("text"), marks = model.get("marks") || [], sel = model.get("selection") || [];
    const chars = Array.from(value);
    const cuts = new Set([0, chars.length]);
    for (const m of marks) { cuts.add(m.start); cuts.add(m.end); }
    if (sel.length === 2) { cuts.add(sel[0]); cuts.add(sel[1]); }
    const points = [...cuts].filter((c) => c >= 0 && c <= chars.length).sort((a, b) => a - b);
    let out = "";
    for (let i = 0; i + 1 < points.length; i++) {
      const [a, b] = [points[i], points[i + 1]];
      let piece = escapeHtml(chars.slice(a, b).join(""));
      const over = marks.filter((m) => m.start <= a && b <= m.end);
      if (over.length) {
        const title = over.map((m) => `${m.label} · ${m.framing}`).join("\n");
        piece = `<mark data-ids="${escapeHtml(over.map((m) => m.id).join(" "))}" class="lc-${escapeHtml(over[0].framing)}"` +
          ` title="${escapeHtml(title)}">${piece}</mark>`;
      }
      if (sel.length === 2 && sel[0] <= a && b <= sel[1]) piece = `<span class="lc-selected">${piece}</span>`;
      out += piece;
    }
    text.innerHTML = out;
    const quote = sel.length === 2 ? chars.slice(sel[0], sel[1]).join("") : "";
    $(".lc-quote-line").textContent = quote ? `Quote: “${quote}”` : "Quote: the whole passage (select words to narrow it)";
  }

  function drawChoices() {
    const chosen = model.get("competency"), framing = model.get("framing");
    const known = (model.get("competencies") || []).find((c) => c.id === chosen);
    $(".lc-chosen").textContent = known ? `${known.label} (${known.group})` : "no competency chosen";
    $(".lc-framings").innerHTML = FRAMINGS.map((f, i) =>
      `<button type="button" role="radio" aria-checked="${f === framing}" data-framing="${f}"` +
      ` class="lc-framing lc-${f}${f === framing ? " lc-on" : ""}">${i + 1} ${f}</button>`).join("");
    const quick = model.get("quick") || [];
    $(".lc-quick").innerHTML = quick.length ? "Choose: " + quick.map((q, i) =>
      `<button type="button" class="lc-pick${q.id === chosen ? " lc-on" : ""}" data-id="${escapeHtml(q.id)}"` +
      ` title="${q.why === "recent" ? "you coded it recently" : "suggested for this passage"}">` +
      `<kbd>${QUICK_KEYS[i]}</kbd> ${escapeHtml(q.label)}${q.why === "recent" ? " <small>(recent)</small>" : ""}` +
      `</button>`).join(" ") : "";
    const editing = model.get("editing");
    $(".lc-save").textContent = editing ? "Save changes (Enter)" : "Save coding (Enter)";
    $(".lc-cancel").hidden = !editing;
    $(".lc-nothing").textContent = model.get("nothing") ? "Take back “nothing to code here” (0)"
      : "Nothing to code here (0)";
    $(".lc-where").textContent = model.get("where");
    el.classList.toggle("lc-judged-nothing", !!model.get("nothing"));
  }

  function drawStatus() {
    const status = $(".lc-status");
    status.textContent = model.get("status");
    status.className = `lc-status lc-${model.get("status_kind") || "plain"}`;
  }

  function choose(id) {
    model.set("competency", id);
    search.value = "";
    options.innerHTML = "";
    el.focus();
  }

  function filter() {
    const words = fold(search.value).split(/\s+/).filter(Boolean);
    const all = model.get("competencies") || [];
    // label matches first, then id, then definition and indicators
    const rank = (c) => words.every((w) => fold(c.label).includes(w)) ? 0 : words.every((w) => c.id.includes(w)) ? 1 : 2;
    matches = words.length ? all.filter((c) => words.every((w) => c.haystack.includes(w)))
      .sort((a, b) => rank(a) - rank(b)).slice(0, 12) : [];
    active = 0;
    options.innerHTML = matches.map((c, i) =>
      `<li role="option" data-id="${escapeHtml(c.id)}" aria-selected="${i === active}" class="${i === active ? "lc-active" : ""}">` +
      `<b>${escapeHtml(c.label)}</b> <span>${escapeHtml(c.group)} · ${escapeHtml(c.id)}</span></li>`).join("");
  }

  function moveActive(step) {
    if (!matches.length) return;
    active = (active + step + matches.length) % matches.length;
    options.querySelectorAll("li").forEach((li, i) => {
      li.classList.toggle("lc-active", i === active);
      li.setAttribute("aria-selected", String(i === active));
    });
  }

  function wordStep(at, direction) {
    // the next word boundary from code point `at` in `direction` (+1 or -1)
    const chars = Array.from(model.get("text"));
    let i = at;
    const isWord = (c) => /[\p{L}\p{N}'’-]/u.test(c || "");
    if (direction > 0) {
      while (i < chars.length && !isWord(chars[i])) i++;
      while (i < chars.length && isWord(chars[i])) i++;
    } else {
      while (i > 0 && !isWord(chars[i - 1])) i--;
      while (i > 0 && isWord(chars[i - 1])) i--;
    }
    return i;
  }

  function widen(event) {
    const length = Array.from(model.get("text")).length;
    const sel = model.get("selection") || [];
    let [start, end] = sel.length === 2 ? sel : [0, 0];
    if (sel.length !== 2) start = end = wordStep(wordStep(0, 1), -1); // from the first word
    const direction = event.key === "ArrowRight" ? 1 : -1;
    if (event.altKey) start = Math.min(wordStep(start, direction), end);
    else end = Math.max(wordStep(end, direction), start);
    end = Math.min(end, length);
    setSelection(end > start ? [start, end] : []);
  }

  text.addEventListener("mouseup", () => {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !text.contains(sel.anchorNode) || !text.contains(sel.focusNode)) return;
    const ends = [offsetIn(text, sel.anchorNode, sel.anchorOffset), offsetIn(text, sel.focusNode, sel.focusOffset)]
      .sort((a, b) => a - b);
    const shown = text.textContent;
    let [a, b] = ends;
    while (a < b && /\s/.test(shown[a])) a++;
    while (b > a && /\s/.test(shown[b - 1])) b--;
    sel.removeAllRanges();
    setSelection(b > a ? [toCodePoint(utf16, a), toCodePoint(utf16, b)] : []);
    el.focus();
  });

  text.addEventListener("click", (event) => {
    const mark = event.target.closest("mark");
    const sel = window.getSelection();
    if (mark && (!sel || sel.isCollapsed)) send("edit", { id: mark.dataset.ids.split(" ").pop() });
  });

  el.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.framing) { model.set("framing", button.dataset.framing); }
    else if (button.dataset.id) { quickChosen = button.dataset.id; choose(button.dataset.id); }
    else if (button.classList.contains("lc-save")) send("save");
    else if (button.classList.contains("lc-cancel")) send("cancel");
    else if (button.classList.contains("lc-nothing")) send("nothing");
    else if (button.classList.contains("lc-undo")) send("undo");
    else if (button.classList.contains("lc-keys")) toggleHelp();
    if (!button.classList.contains("lc-keys")) el.focus();
  });

  options.addEventListener("mousedown", (event) => {
    const li = event.target.closest("li");
    if (li) { event.preventDefault(); choose(li.dataset.id); }
  });

  search.addEventListener("input", filter);
  search.addEventListener("keydown", (event) => {
    event.stopPropagation(); // typing here is typing, not shortcuts
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveActive(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (matches.length) choose(matches[active].id);
    } else if (event.key === "Escape") {
      search.value = ""; options.innerHTML = ""; el.focus();
    }
  });

  function toggleHelp() {
    const help = $(".lc-help");
    help.hidden = !help.hidden;
    $(".lc-keys").setAttribute("aria-expanded", String(!help.hidden));
  }

  el.addEventListener("keydown", (event) => {
    if (event.target !== el && event.target.tagName !== "BUTTON" && !text.contains(event.target)) return;
    if (event.ctrlKey || event.metaKey) return;
    const key = event.key;
    const quick = model.get("quick") || [];
    let handled = true;
    if (event.shiftKey && (key === "ArrowRight" || key === "ArrowLeft")) widen(event);
    else if (event.shiftKey && key !== "?") handled = false;
    else if (/^[1-4]$/.test(key)) { model.set("framing", FRAMINGS[Number(key) - 1]); }
    else if (key === "/") search.focus();
    else if (key === "Enter" && event.target.tagName !== "BUTTON") send("save");
    else if (key === "Escape") {
      if ((model.get("selection") || []).length) setSelection([]); else send("cancel");
    }
    else if (key === "a") setSelection([0, Array.from(model.get("text")).length]);
    else if (QUICK_KEYS.includes(key) && QUICK_KEYS.indexOf(key) < quick.length) {
      quickChosen = quick[QUICK_KEYS.indexOf(key)].id;
      choose(quickChosen);
    }
    else if (key === "f") {
      const picked = quick.find((q) => q.id === model.get("competency"));
      if (picked && picked.framing) { model.set("framing", picked.framing); }
      else { model.set("status", "no suggested framing for this competency"); model.set("status_kind", "plain"); }
    }
    else if (key === "0") send("nothing");
    else if (key === "n") send("next");
    else if (key === "p") send("previous");
    else if (key === "u") send("uncoded");
    else if (key === "z") send("undo");
    else if (key === "m") {
      const memo = el.closest(".lc-screen")?.querySelector(".lc-memo textarea");
      if (memo) memo.focus(); else handled = false;
    }
    else if (key === "?") toggleHelp();
    else handled = false;
    if (handled) { event.preventDefault(); event.stopPropagation(); }
  });

  // In the memo: Ctrl+Enter saves, Esc goes back to the passage.
  const fromMemo = (event) => {
    const memo = memoBox();
    if (!memo || event.target !== memo) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send("save"); el.focus(); }
    else if (event.key === "Escape") { event.preventDefault(); el.focus(); }
    else return;
    event.stopPropagation();
  };
  document.addEventListener("keydown", fromMemo, true);

  model.on("change:text", () => { utf16 = codePoints(model.get("text")); drawText(); });
  model.on("change:marks", drawText);
  model.on("change:selection", drawText);
  for (const name of ["competency", "framing", "quick", "editing", "nothing", "where", "competencies"]) {
    model.on(`change:${name}`, drawChoices);
  }
  model.on("change:status", drawStatus);
  model.on("change:status_kind", drawStatus);
  model.on("msg:custom", (message) => { if (message.focus) el.focus(); });
  drawText();
  drawChoices();
  drawStatus();
  return () => document.removeEventListener("keydown", fromMemo, true);
}

export default { render };

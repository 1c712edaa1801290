// The editors' form: checks what has been typed on the server (as the editor types) and
// shows each message at the field it concerns; fills the pickers from the graph's own nodes.
// Loaded from a file (no inline script), works without it too: the form posts and re-renders.
(function () {
  "use strict";
  const form = document.getElementById("entry-form");
  if (!form) return;
  const base = form.getAttribute("action").replace(/\/new$/, "");
  const touched = new Set();
  let timer = null;
  let sequence = 0;
  let everything = false;

  function mode() {
    const checked = form.querySelector("input[name=mode]:checked");
    return checked ? checked.value : "form";
  }

  function showMode() {
    document.body.classList.toggle("mode-paste", mode() === "paste");
    document.body.classList.toggle("mode-form", mode() !== "paste");
  }

  function box(key) {
    for (const el of form.querySelectorAll(".field-msg")) {
      if (el.dataset.for === key) return el;
    }
    return null;
  }

  function sectionOf(key) {
    return key.split(".").slice(0, -1).join(".");
  }

  function render(answer) {
    for (const el of form.querySelectorAll(".field-msg")) {
      el.replaceChildren();
      el.hidden = true;
      const field = el.closest(".field");
      if (field) field.classList.remove("has-msg");
    }
    for (const [key, items] of Object.entries(answer.messages || {})) {
      const shown = everything || touched.has(key) || (key.endsWith(".section") && [...touched].some(t => sectionOf(t) === sectionOf(key)));
      const el = box(key);
      if (!el || !shown) continue;
      for (const item of items) {
        const p = document.createElement("p");
        const b = document.createElement("b");
        b.textContent = item.message;
        p.append(b);
        if (item.fix) {
          const fix = document.createElement("span");
          fix.className = "fix";
          fix.textContent = " Fix: " + item.fix;
          p.append(fix);
        }
        if (item.details) {  // the Turtle wording, for those who read the entry beside the form
          const more = document.createElement("details");
          const summary = document.createElement("summary");
          summary.textContent = "details";
          more.append(summary, item.details);
          p.append(more);
        }
        el.append(p);
      }
      el.hidden = false;
      const field = el.closest(".field");
      if (field) field.classList.add("has-msg");
    }
    const general = document.getElementById("general");
    general.replaceChildren();
    for (const item of answer.general || []) {
      const p = document.createElement("p");
      p.className = "bad";
      p.textContent = (item.line ? "line " + item.line + ": " : "") + item.message + (item.fix ? " Fix: " + item.fix : "");
      general.append(p);
    }
    document.getElementById("turtle").textContent = answer.turtle || "";
    document.getElementById("status").textContent = answer.conforms
      ? "The entry conforms."
      : "Not ready yet: see the messages at the fields.";
  }

  async function check() {
    const mine = ++sequence;
    const data = new FormData(form);
    data.delete("token");
    try {
      const response = await fetch(base + "/check", { method: "POST", body: data, credentials: "same-origin" });
      if (!response.ok) return;
      const answer = await response.json();
      if (mine === sequence) render(answer);
    } catch (err) {
      document.getElementById("status").textContent = "Could not reach the server to check the entry; your input is kept.";
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, 350);
  }

  async function search(input) {
    const q = input.value.trim();
    const list = document.getElementById(input.getAttribute("list"));
    if (!list || q.length < 2) return;
    const url = base + "/search?kind=" + encodeURIComponent(input.dataset.search) + "&q=" + encodeURIComponent(q);
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const hits = await response.json();
      list.replaceChildren(...hits.map(hit => {
        const option = document.createElement("option");
        option.value = hit.value;
        option.textContent = hit.label;
        return option;
      }));
    } catch (err) { /* suggestions are a help, not a need */ }
  }

  form.addEventListener("input", event => {
    const target = event.target;
    if (target.name) touched.add(target.name);
    if (target.dataset && target.dataset.search) search(target);
    if (target.name === "mode") showMode();
    if (target.name !== "token" && target.name !== "editor") later();
  });
  form.addEventListener("change", event => {
    if (event.target.name) touched.add(event.target.name);
    if (event.target.name === "mode") showMode();
    later();
  });
  document.addEventListener("DOMContentLoaded", () => {
    showMode();
    // after a submit the server has shown every message already; keep them on the next checks
    everything = !!form.querySelector(".field-msg:not([hidden])");
    if (everything) check();
  });
})();

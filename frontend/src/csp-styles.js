// CodeMirror puts its styles in a <style> element in the document's head, which a strict
// Content-Security-Policy (style-src 'self', no 'unsafe-inline') refuses. Here every style
// module goes into one constructed stylesheet adopted by the document instead, which the
// policy allows, in the order the modules are first mounted (CodeMirror mounts its base
// theme before the themes that override it). This must run before any editor is created.
import { StyleModule } from "style-mod";

const sheet = typeof CSSStyleSheet === "function" && "adoptedStyleSheets" in Document.prototype
  ? new CSSStyleSheet() : null;
const mounted = new Set();

function flatten(modules, out) {
  for (const m of Array.isArray(modules) ? modules : [modules]) {
    if (Array.isArray(m)) { flatten(m, out); } else if (m) { out.push(m); }
  }
  return out;
}

if (sheet) {
  const original = StyleModule.mount;
  StyleModule.mount = function (root, modules, options) {
    if (root !== document) { return original.call(StyleModule, root, modules, options); }
    for (const mod of flatten(modules, [])) {
      if (mounted.has(mod)) { continue; }
      mounted.add(mod);
      for (const rule of mod.rules) { sheet.insertRule(rule, sheet.cssRules.length); }
    }
    if (document.adoptedStyleSheets.indexOf(sheet) < 0) {
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    }
  };
}

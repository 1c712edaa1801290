// Builds the query editor into src/r2pkg/web/static/ (editor.js, editor.css) and writes
// editor.stamp, the hash of every input, so the Python side can tell a stale bundle.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const out = join(here, "..", "src", "r2pkg", "web", "static");

/** The files whose content decides the bundle (kept in step with r2pkg.frontend.INPUTS). */
function inputs() {
  const files = ["package.json", "package-lock.json", "build.mjs"];
  const walk = (dir) => {
    for (const name of readdirSync(join(here, dir)).sort()) {
      const path = join(dir, name);
      if (statSync(join(here, path)).isDirectory()) { walk(path); } else { files.push(path); }
    }
  };
  walk("src");
  return files.map((f) => relative(here, join(here, f)).split("\\").join("/")).sort();
}

export function stamp() {
  const hash = createHash("sha256");
  for (const file of inputs()) {
    hash.update(file + "\0");
    hash.update(readFileSync(join(here, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The licence of every package bundled (the non-dev packages of the lock), with its text. */
function licences() {
  const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
  const parts = ["Third-party software in editor.js and editor.css (bundled by esbuild from frontend/).\n"];
  for (const [path, meta] of Object.entries(lock.packages).sort()) {
    if (!path || meta.dev) { continue; }
    const name = path.replace(/^.*node_modules\//, "");
    parts.push(`\n==== ${name} ${meta.version} (${meta.license}) ====\n`);
    const dir = join(here, path);
    const file = ["LICENSE", "LICENSE.md", "LICENSE.txt", "license"].map((f) => join(dir, f)).find(existsSync);
    parts.push(file ? readFileSync(file, "utf8") : `(no licence file shipped; package.json says ${meta.license})\n`);
  }
  return parts.join("");
}

await build({
  entryPoints: [join(here, "src", "editor.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  banner: { js: "/* r2pkg query editor (CodeMirror 6 and codemirror-lang-sparql, MIT). Licences: editor.licenses.txt */" },
  outfile: join(out, "editor.js"),
});
copyFileSync(join(here, "src", "editor.css"), join(out, "editor.css"));
writeFileSync(join(out, "editor.licenses.txt"), licences());
writeFileSync(join(out, "editor.stamp"), stamp() + "\n");
console.log("built editor.js, editor.css, editor.licenses.txt and editor.stamp in " + out);

// Prints the http-cache-tests test list as JSON lines' array: id, suite,
// kind ("required" when the suite leaves it unset: a requirement of the RFC),
// depends_on, browser_only. Usage: node hct_meta.mjs PACKAGE_DIR
import { pathToFileURL } from 'url'
import path from 'path'

const dir = process.argv[2]
const load = async f => (await import(pathToFileURL(path.join(dir, 'tests', f)).href)).default
const suites = await load('index.mjs')
suites.push(await load('surrogate-control.mjs'))  // as cli.mjs does
const out = []
for (const s of suites) {
  for (const t of s.tests) {
    out.push({
      id: t.id,
      suite: s.id,
      name: t.name,
      kind: t.kind || 'required',
      depends_on: t.depends_on || [],
      browser_only: t.browser_only === true
    })
  }
}
console.log(JSON.stringify(out))

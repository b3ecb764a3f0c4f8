// Documentation coverage: every export of src/index.ts, of its namespaces
// (nn, optim, F, data, nn.utils), every field of an exported interface, and
// every public method and accessor of an exported class carries a doc comment (read with the
// TypeScript compiler API from the sources, so the check needs no build).
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { suite } from '../helpers/harness.mjs';

const test = suite('docs');
const root = fileURLToPath(new URL('../../', import.meta.url));
// noLib: only the project's sources are parsed (aliases and doc comments need no lib types), which keeps this fast
const program = ts.createProgram([`${root}src/index.ts`], {
  noLib: true, types: [], target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
});
const checker = program.getTypeChecker();
const where = (decl) => decl.getSourceFile().fileName.replace(root, '');
const docOf = (sym) => ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
/** The doc comment on an `export * as ns from ...` statement (the compiler does not attach it to the alias). */
const statementDoc = (sym) => {
  const decl = sym.declarations?.[0];
  if (!decl || !ts.isNamespaceExport(decl)) return '';
  return ts.getJSDocCommentsAndTags(decl.parent).map((d) => ts.getTextOfJSDocComment(d.comment) ?? '').join('').trim();
};

/** Every exported symbol, namespaces walked, as [qualified name, symbol resolved, the alias's own doc]. */
function exportsOf(moduleSym, prefix, out) {
  for (const sym of checker.getExportsOfModule(moduleSym)) {
    const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    const decl = target.declarations?.[0];
    if (!decl || decl.getSourceFile().fileName.includes('node_modules')) continue;
    const name = prefix + sym.name;
    // `export * as nn from ...` documents the namespace on the export statement (the alias), not in the module
    out.push({ name, sym: target, decl, doc: docOf(sym) || statementDoc(sym) || docOf(target) });
    if (target.flags & ts.SymbolFlags.ValueModule && ts.isSourceFile(decl)) exportsOf(target, `${name}.`, out);
  }
  return out;
}

const entry = checker.getSymbolAtLocation(program.getSourceFile(`${root}src/index.ts`));
const all = exportsOf(entry, '', []);

test('every export of src/index.ts and of its namespaces has a doc comment', () => {
  assert.ok(all.length > 300, `expected the whole public surface, found ${all.length} exports`);
  const missing = all.filter((e) => !e.doc).map((e) => `${e.name} (${where(e.decl)})`);
  assert.equal(missing, [], `exports without a doc comment:\n  ${missing.join('\n  ')}`);
});

/** Public methods and accessors of exported classes without a doc comment (inherited docs count, as the compiler inherits them). */
function undocumentedMembers() {
  const missing = [];
  const seen = new Set();
  for (const { name, sym, decl } of all) {
    if (!(sym.flags & ts.SymbolFlags.Class) || seen.has(sym)) continue;
    seen.add(sym);
    for (const m of decl.members) {
      if (!(ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m) || ts.isSetAccessorDeclaration(m))) continue;
      if (!m.name || ts.isPrivateIdentifier(m.name)) continue;
      if (ts.getCombinedModifierFlags(m) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      if (ts.getJSDocTags(m).some((t) => t.tagName.text === 'internal')) continue;
      const member = checker.getSymbolAtLocation(m.name);
      if (member && !docOf(member)) missing.push(`${name}.${m.name.getText()} (${where(m)}:${m.getSourceFile().getLineAndCharacterOfPosition(m.getStart()).line + 1})`);
    }
  }
  return [...new Set(missing)];
}

test('every public method and accessor of an exported class has a doc comment', () => {
  const missing = undocumentedMembers();
  assert.equal(missing, [], `public methods without a doc comment:\n  ${missing.join('\n  ')}`);
});

test('every field of an exported interface (the options objects) has a doc comment', () => {
  const missing = [];
  for (const { name, sym, decl } of all) {
    if (!(sym.flags & ts.SymbolFlags.Interface)) continue;
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m)) continue;
      const field = checker.getSymbolAtLocation(m.name);
      if (field && !docOf(field)) missing.push(`${name}.${m.name.getText()} (${where(m)})`);
    }
  }
  assert.equal([...new Set(missing)], [], `interface fields without a doc comment:\n  ${missing.join('\n  ')}`);
});

test.run();

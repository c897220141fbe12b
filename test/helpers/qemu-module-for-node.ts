/**
 * Makes src/qemu runnable by a plain `node` child process (Node 20 cannot run TypeScript):
 * transpiles src/qemu, src/shared, src/errors.ts and src/source into a temp directory, file by file (the
 * project compiles with isolatedModules, so that is enough), and links node_modules so that
 * `execa` resolves. Used to prove that a detached vm outlives the process that started it.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Transpiles the qemu module into `outDir`; resolves with the path of its index.js. */
export async function qemuModuleForNode(outDir: string): Promise<string> {
  const sources = [join(repo, 'src', 'errors.ts')];
  for (const dir of ['qemu', 'shared', 'source']) {
    for (const file of await readdir(join(repo, 'src', dir), { recursive: true })) {
      if (file.endsWith('.ts')) sources.push(join(repo, 'src', dir, file));
    }
  }
  for (const source of sources) {
    const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
      fileName: source,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const target = join(outDir, relative(repo, source)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  await symlink(join(repo, 'node_modules'), join(outDir, 'node_modules'));
  return join(outDir, 'src', 'qemu', 'index.js');
}

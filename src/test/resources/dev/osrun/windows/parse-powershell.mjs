// Parses each file named on the command line with tree-sitter-powershell and prints one JSON line per file:
// {"file": ..., "problems": [{"kind": "ERROR"|"MISSING", "type": ..., "row": ..., "column": ..., "text": ...}]}
// (rows and columns 1-based). Used by PowerShellSyntaxTest; run with the module directory on NODE_PATH's place,
// i.e. from the directory that holds node_modules/.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'index.js'));
const Parser = require('tree-sitter');
const PowerShell = (await import(join(process.cwd(), 'node_modules/tree-sitter-powershell/bindings/node/index.js'))).default;

const parser = new Parser();
parser.setLanguage(PowerShell);
for (const file of process.argv.slice(2)) {
  const source = readFileSync(file, 'utf8');
  const tree = parser.parse((index) => source.slice(index, index + 4096));
  const problems = [];
  const walk = (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        type: node.type,
        row: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: source.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 80)),
      });
    }
    if (node.hasError || node.isMissing) {
      for (const child of node.children) walk(child);
    }
  };
  walk(tree.rootNode);
  console.log(JSON.stringify({ file, problems }));
}

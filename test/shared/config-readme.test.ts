// The README's configuration table is what operators read: it must list exactly the settings table's
// variables, with the defaults the code uses.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Required, SETTINGS, type Setting } from '../../shared/config.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

interface ReadmeRow {
  readonly defaultCell: string;
  readonly meaning: string;
}

// The rows of the table under "## Configuration", by variable.
function readmeConfigTable(): Map<string, ReadmeRow> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## Configuration\n');
  expect(start, 'README.md has a "## Configuration" section').to.be.at.least(0);
  const end = text.indexOf('\n## ', start + 1);
  const rows = new Map<string, ReadmeRow>();
  for (const line of text.slice(start, end === -1 ? undefined : end).split('\n')) {
    const match = /^\| `([A-Z0-9_]+)` \| ([^|]*?) \| (.*) \|$/.exec(line);
    if (match?.[1] && match[2] !== undefined && match[3] !== undefined) {
      rows.set(match[1], { defaultCell: match[2], meaning: match[3].trim() });
    }
  }
  return rows;
}

// How the README shows a default: `3001`, `./sessions`, (required), or - when there is none.
function renderDefault(row: Setting): string {
  if (row.documentedDefault !== undefined) return row.documentedDefault;
  const value = row.default;
  if (value instanceof Required) return '(required)';
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return '-';
  return `\`${typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)}\``;
}

describe('config README table', function () {
  it('lists exactly the variables of SETTINGS, with the defaults the code uses', function () {
    const documented = Object.fromEntries([...readmeConfigTable()].map(([name, row]) => [name, row.defaultCell]));
    const table = Object.fromEntries(Object.entries(SETTINGS).map(([name, row]) => [name, renderDefault(row)]));
    expect(documented).to.deep.equal(table);
  });

  it('says what every variable means', function () {
    for (const [name, row] of readmeConfigTable()) expect(row.meaning, name).not.to.equal('');
  });

  it('renders a number, a text, a required setting and one without a default as the README writes them', function () {
    expect(renderDefault(SETTINGS.PORT)).to.equal('`3001`');
    expect(renderDefault(SETTINGS.SESSIONS_DIR)).to.equal('`./sessions`');
    expect(renderDefault(SETTINGS.CLIENTE_ID)).to.equal('(required)');
    expect(renderDefault(SETTINGS.API_TOKEN)).to.equal('-');
    expect(renderDefault(SETTINGS.CHROME_ARGS)).to.equal('-');
  });
});

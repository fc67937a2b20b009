import type { OrganizationView } from './organization.js';
import type { EmulatorStats } from './stats.js';

/**
 * The read-only admin page: accounts, users with their roles per account
 * (direct and inherited shown apart, as Ably's dashboard greys out
 * inherited roles), and groups with their account links. Plain HTML, every
 * value escaped, no scripts and no external assets.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Renders the admin page. */
export function renderAdminPage(view: OrganizationView, stats: EmulatorStats): string {
  const accountName = new Map(view.accounts.map((account) => [account.id, account.name]));
  const accountRows = view.accounts
    .map((account) => `<tr><td>${escapeHtml(account.name)}</td><td><code>${escapeHtml(account.id)}</code></td><td>${account.isPrimary ? 'primary (default provisioning account)' : ''}</td></tr>`)
    .join('\n');

  const userRows = view.users
    .map((user) => {
      const roles = Object.entries(user.roles)
        .map(([accountId, roles]) => {
          const direct = roles.direct.map((role) => `<span class="direct">${escapeHtml(role)}</span>`);
          const inherited = roles.inherited.filter((role) => !roles.direct.includes(role)).map((role) => `<span class="inherited" title="inherited from a group">${escapeHtml(role)}</span>`);
          return `<div>${escapeHtml(accountName.get(accountId) ?? accountId)}: ${[...direct, ...inherited].join(' ')}</div>`;
        })
        .join('');
      return `<tr><td>${escapeHtml(user.userName)}</td><td><code>${escapeHtml(user.id)}</code></td><td>${escapeHtml(user.externalId ?? '')}</td><td>${user.active ? 'active' : 'inactive'}</td><td>${roles}</td></tr>`;
    })
    .join('\n');

  const groupRows = view.groups
    .map((group) => {
      const links = group.accounts.map((link) => `<div>${escapeHtml(link.display)}: ${link.roles.map(escapeHtml).join(', ')}</div>`).join('');
      return `<tr><td>${escapeHtml(group.displayName)}</td><td><code>${escapeHtml(group.id)}</code></td><td>${escapeHtml(group.externalId ?? '')}</td><td>${group.memberIds.length}</td><td>${links}</td></tr>`;
    })
    .join('\n');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ably organization emulator</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
.direct { font-weight: 600; }
.inherited { color: #888; }
</style>
</head>
<body>
<h1>Ably organization emulator</h1>
<p>Registered domain: <code>${escapeHtml(view.domain)}</code>. This page is read-only: users and groups change only through SCIM.
SCIM requests since start or the last stats reset: ${stats.total} (${stats.reads} reads, ${stats.writes} writes).</p>
<h2>Accounts</h2>
<table><thead><tr><th>Name</th><th>Id</th><th></th></tr></thead><tbody>
${accountRows}
</tbody></table>
<h2>Users (${view.users.length})</h2>
<p>Roles in bold are assigned directly; grey roles are inherited from groups.</p>
<table><thead><tr><th>userName</th><th>Id</th><th>externalId</th><th>Status</th><th>Roles by account</th></tr></thead><tbody>
${userRows}
</tbody></table>
<h2>Groups (${view.groups.length})</h2>
<table><thead><tr><th>displayName</th><th>Id</th><th>externalId</th><th>Members</th><th>Account links</th></tr></thead><tbody>
${groupRows}
</tbody></table>
</body>
</html>
`;
}

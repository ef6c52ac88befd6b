import type { ErrorDetail, Questionnaire } from '@strata/core';
import type { Answers } from './questionnaire-answers.js';

/*
 * The public questionnaire page: plain HTML with its styles inline and no script or external
 * asset, so it works without JavaScript, in any browser, behind any content security policy.
 * Each question is a fieldset whose legend is the question, each option a radio button with its
 * own label; mistakes are listed at the top (announced by screen readers) with links to the
 * questions they concern, and each such question points at its message.
 */

/** The headers every page of customers' links goes out with: nothing loaded from elsewhere, nothing cached, no referrer. */
export const pageHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => escapes[c]!);

const STYLE = `
body{font:1.05rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fafafa;margin:0}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;line-height:1.25}
fieldset{border:1px solid #c8c8c8;border-radius:.4rem;background:#fff;margin:0 0 1.25rem;padding:.75rem 1rem 1rem}
fieldset.invalid{border:2px solid #b00020}
legend{font-weight:600;padding:0 .35rem}
.option{display:flex;align-items:center;gap:.6rem;padding:.3rem 0}
.option input{width:1.25rem;height:1.25rem;margin:0;flex:none}
.message{color:#b00020;font-weight:600;margin:.25rem 0}
.problems{border:2px solid #b00020;border-radius:.4rem;background:#fff;padding:.5rem 1rem;margin-bottom:1.25rem}
.problems h2{font-size:1.15rem;margin:.25rem 0}
a{color:#0b57d0}
button{font:inherit;font-weight:600;color:#fff;background:#0b57d0;border:0;border-radius:.4rem;padding:.65rem 1.4rem;cursor:pointer}
button:hover{background:#0842a0}
:focus-visible{outline:3px solid #f9a825;outline-offset:2px}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const questionAnchor = (id: string) => `question-${id}`;
const optionId = (question: string, option: string) => `answer-${question}-${option}`;

/** The questionnaire as a form, the customer's answers so far chosen; `errors` (by question id) shown at the top and by each question. */
export function renderQuestionnairePage(
  q: Questionnaire,
  answers: Answers,
  errors: readonly ErrorDetail[] = [],
): string {
  const byQuestion = new Map<string, string[]>();
  for (const e of errors) byQuestion.set(e.field ?? '', [...(byQuestion.get(e.field ?? '') ?? []), e.message]);
  const known = new Set(q.questions.map((x) => x.id));
  const problems = errors.length
    ? `<div class="problems" role="alert" aria-labelledby="problems-title" tabindex="-1">
<h2 id="problems-title">Please check your answers</h2>
<ul>
${errors
  .map((e) => {
    const text = escapeHtml(e.message);
    return `<li>${e.field && known.has(e.field) ? `<a href="#${questionAnchor(e.field)}">${text}</a>` : text}</li>`;
  })
  .join('\n')}
</ul>
</div>`
    : '';
  const fieldsets = q.questions
    .map((question) => {
      const messages = byQuestion.get(question.id) ?? [];
      const messageId = `${questionAnchor(question.id)}-message`;
      const options = question.options
        .map((o) => {
          const id = optionId(question.id, o.id);
          const checked = answers[question.id] === o.id ? ' checked' : '';
          return `<div class="option"><input type="radio" id="${id}" name="${escapeHtml(question.id)}" value="${escapeHtml(o.id)}"${checked}><label for="${id}">${escapeHtml(o.label)}</label></div>`;
        })
        .join('\n');
      return `<fieldset id="${questionAnchor(question.id)}"${messages.length ? ` class="invalid" aria-describedby="${messageId}"` : ''}>
<legend>${escapeHtml(question.text)}</legend>
${messages.length ? `<p class="message" id="${messageId}">${messages.map(escapeHtml).join(' ')}</p>\n` : ''}${options}
</fieldset>`;
    })
    .join('\n');
  return page(
    q.title,
    `<h1>${escapeHtml(q.title)}</h1>
${q.intro ? `<p>${escapeHtml(q.intro)}</p>\n` : ''}${problems}
<form method="post">
${fieldsets}
<button type="submit">Send my answers</button>
</form>`,
  );
}

export function renderThanksPage(q: Questionnaire): string {
  return page(
    q.title,
    `<h1>Thank you</h1>
<p role="status">Your answers to “${escapeHtml(q.title)}” are saved. You can open the link again at any time to change them.</p>`,
  );
}

/** What a link that is not (or no longer) valid shows: nothing about why, so a guesser learns nothing. */
export function renderNotFoundPage(): string {
  return page(
    'Link not found',
    `<h1>This link does not work</h1>
<p>It may have been copied incompletely. Please open it again from the message you received.</p>`,
  );
}

import { describe, expect, it } from 'vitest';
import { Questionnaire } from '@strata/core';
import { parseAnswers } from './questionnaire-answers.js';
import { renderQuestionnairePage } from './questionnaire-page.js';

const q = Questionnaire.parse({
  id: 'skin',
  title: 'Your <skin> & you',
  intro: 'Two questions.',
  questions: [
    {
      id: 'type',
      text: 'What is your skin type?',
      options: [
        { id: 'dry', label: 'Dry', tags: ['dry skin'] },
        { id: 'oily', label: 'Oily "shiny"', tags: ['oily skin'] },
      ],
    },
    {
      id: 'kids',
      text: 'Do you have children?',
      options: [
        { id: 'yes', label: 'Yes', tags: ['parent'] },
        { id: 'no', label: 'No' },
      ],
    },
  ],
});

describe('the questionnaire page', () => {
  const html = renderQuestionnairePage(q, { type: 'oily' });

  it('is a form of fieldsets, each question the legend and each option a labelled radio button', () => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<form method="post">');
    expect(html.match(/<fieldset/g)).toHaveLength(2);
    expect(html).toContain('<legend>What is your skin type?</legend>');
    expect(html).toContain(
      '<input type="radio" id="answer-type-dry" name="type" value="dry"><label for="answer-type-dry">Dry</label>',
    );
    expect(html).toContain('<button type="submit">');
  });

  it('shows the answer given before as chosen', () => {
    expect(html).toMatch(/id="answer-type-oily" name="type" value="oily" checked>/);
    expect(html).not.toMatch(/value="dry" checked/);
  });

  it('escapes the shop’s text and loads nothing from elsewhere', () => {
    expect(html).toContain('<title>Your &lt;skin&gt; &amp; you</title>');
    expect(html).toContain('Oily &quot;shiny&quot;');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it('lists mistakes in an alert linked to their questions, which point at their message', () => {
    const { errors } = parseAnswers(q, new URLSearchParams('type=greasy'));
    const page = renderQuestionnairePage(q, {}, errors);
    expect(page).toContain('role="alert"');
    expect(page).toContain(
      '<a href="#question-type">&quot;What is your skin type?&quot;: &quot;greasy&quot; is not one of its answers</a>',
    );
    expect(page).toContain('<fieldset id="question-type" class="invalid" aria-describedby="question-type-message">');
  });
});

describe('parseAnswers', () => {
  it('takes each question’s option and names every mistake by its question', () => {
    expect(parseAnswers(q, new URLSearchParams('type=dry&kids=no'))).toEqual({
      answers: { type: 'dry', kids: 'no' },
      errors: [],
    });
    expect(parseAnswers(q, new URLSearchParams('age=40')).errors).toEqual([
      { field: 'age', message: 'this questionnaire has no question "age"' },
    ]);
    expect(parseAnswers(q, new URLSearchParams('')).errors).toEqual([
      { field: 'type', message: 'Choose an answer to at least one question.' },
    ]);
  });
});

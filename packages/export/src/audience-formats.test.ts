import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  audienceLayouts,
  googleNormalise,
  leftOutBecause,
  metaNormalise,
  type AudienceInput,
} from './audience-formats.js';

/** Computed here on hand-normalised text, independently of the code under test. */
const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');

const person = (over: Partial<AudienceInput> = {}): AudienceInput => ({
  email: ' Anna.Schmidt@Example.COM ',
  phone: '+4915123456789',
  first_name: 'Anna-Lena',
  last_name: 'van der  Berg',
  city: 'Bad Homburg v. d. Höhe',
  region: 'Hessen',
  postcode: '61348',
  country: 'DE',
  birthday: '1984-07-09',
  gender: 'female',
  email_consent: true,
  sms_consent: true,
  ...over,
});

describe('Meta customer list', () => {
  it("matches the input/hash pairs of Meta's documentation", () => {
    // developers.facebook.com/docs/marketing-api/conversions-api/parameters/customer-information-parameters
    expect(sha(metaNormalise.email('John_Smith@gmail.com'))).toBe(
      '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f',
    );
    // "(650)555-1212" with its country code, as the store keeps phones (E.164)
    expect(sha(metaNormalise.phone('+16505551212'))).toBe(
      'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
    );
    expect(sha(metaNormalise.name('Mary'))).toBe('6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec');
    // accented letters kept, in composed form even when the stored text is decomposed
    expect(sha(metaNormalise.name('Vale\u0301ry'))).toBe(
      '08e1996b5dd49e62a4b4c010d44e4345592a863bb9f8e3976219bac29417149c',
    );
    expect(sha(metaNormalise.name('정'))).toBe('8fa8cd9c440be61d0151429310034083132b35975c4bea67fdd74158eb51db14');
  });

  it('writes the platform columns, each value normalised and hashed', () => {
    const layout = audienceLayouts.meta;
    expect(layout.header).toEqual(['email', 'phone', 'fn', 'ln', 'ct', 'st', 'zip', 'country', 'doby', 'gen']);
    expect(layout.cells(person())).toEqual([
      sha('anna.schmidt@example.com'),
      sha('4915123456789'),
      sha('annalena'),
      sha('van der berg'),
      sha('badhomburgvdhöhe'),
      sha('hessen'),
      sha('61348'),
      sha('de'),
      sha('1984'),
      sha('f'),
    ]);
  });

  it('cuts a US ZIP+4 to five digits and leaves what it cannot tell empty', () => {
    const cells = audienceLayouts.meta.cells(
      person({
        postcode: '94025-1234',
        country: 'US',
        gender: 'diverse',
        birthday: null,
        city: null,
        first_name: 'Cher',
        last_name: null,
      }),
    );
    expect(cells[6]).toBe(sha('94025'));
    expect(cells[7]).toBe(sha('us'));
    expect(cells[2]).toBe(sha('cher'));
    expect([cells[3], cells[4], cells[8], cells[9]]).toEqual(['', '', '', '']);
  });

  it('leaves out a customer without a consented email or phone, saying why', () => {
    expect(leftOutBecause(person())).toBeUndefined();
    expect(leftOutBecause(person({ email_consent: false }))).toBeUndefined();
    expect(leftOutBecause(person({ email_consent: false, sms_consent: false }))).toBe('no_consent');
    expect(leftOutBecause(person({ phone: null, email_consent: false }))).toBe('no_consent');
    expect(leftOutBecause(person({ email: null, phone: null }))).toBe('no_contact');
  });

  it('sends an email or a phone only with that channel’s consent', () => {
    const noSms = audienceLayouts.meta.cells(person({ sms_consent: false }));
    expect(noSms[0]).toBe(sha('anna.schmidt@example.com'));
    expect(noSms[1]).toBe('');
    const noEmail = audienceLayouts.meta.cells(person({ email_consent: false }));
    expect(noEmail[0]).toBe('');
    expect(noEmail[1]).toBe(sha('4915123456789'));
  });
});

describe('Google Customer Match', () => {
  it('hashes email, phone (E.164 with +) and names, and leaves country and zip as they are', () => {
    const layout = audienceLayouts.google;
    expect(layout.header).toEqual(['Email', 'Phone', 'First Name', 'Last Name', 'Country', 'Zip']);
    expect(layout.cells(person())).toEqual([
      sha('anna.schmidt@example.com'),
      sha('+4915123456789'),
      sha('anna-lena'),
      sha('vanderberg'),
      'DE',
      '61348',
    ]);
  });

  it('normalises a phone to E.164 and names without any spaces', () => {
    expect(googleNormalise.phone('+44 20 7031 3000')).toBe('+442070313000');
    expect(googleNormalise.name(' Mary Ann ')).toBe('maryann');
    expect(googleNormalise.email('  Test@Gmail.com ')).toBe('test@gmail.com');
  });

  it('sends no phone without SMS consent', () => {
    expect(audienceLayouts.google.cells(person({ sms_consent: false }))[1]).toBe('');
  });
});

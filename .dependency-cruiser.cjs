/**
 * The dependency direction from ../shared/STYLE.md, checked on every `npm run lint`:
 * core depends on nothing of ours; segment-lang, sql and core never reach adapters; ingest,
 * profiles, membership and engagement see only core, sql only core and segment-lang, segment-eval only those
 * and sql; packages never import apps; no cycles.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-is-the-root',
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^(packages/(?!core/)|apps/)|node_modules/@strata/(?!core)' },
    },
    {
      name: 'core-and-lang-are-pure',
      comment: 'core and segment-lang run in the browser: no Node built-ins',
      severity: 'error',
      from: { path: '^packages/(core|segment-lang)/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'segment-lang-stands-alone',
      severity: 'error',
      from: { path: '^packages/segment-lang/src/' },
      to: { path: '^(packages/(?!segment-lang/|core/)|apps/)' },
    },
    {
      name: 'ingest-profiles-membership-and-engagement-see-only-core',
      comment:
        'ingest, profiles, membership and engagement work through the core ports (a store is handed to them): of our packages they import @strata/core only',
      severity: 'error',
      from: { path: '^packages/(ingest|profiles|membership|engagement)/' },
      to: {
        path: '^(packages|apps)/|node_modules/@strata/',
        pathNot: '^packages/(core|$1)/|node_modules/@strata/core/',
      },
    },
    {
      name: 'sql-sees-only-core-and-the-language',
      comment:
        'sql compiles the Segment IR, whose types and field catalogue live in segment-lang: of our packages it imports @strata/segment-lang and @strata/core only (today segment-lang only), and never executes anything',
      severity: 'error',
      from: { path: '^packages/sql/' },
      to: {
        path: '^(packages|apps)/|node_modules/@strata/',
        pathNot: '^packages/(core|segment-lang|sql)/|node_modules/@strata/(core|segment-lang)/',
      },
    },
    {
      name: 'segment-eval-sees-only-core-the-language-and-sql',
      comment:
        'segment-eval decides one customer against the Segment IR with the SQL backend semantics: of our packages it imports @strata/core, @strata/segment-lang and @strata/sql (for the percentile cut-offs and which customers a segment ranges over), and reaches stores only through the core ports',
      severity: 'error',
      from: { path: '^packages/segment-eval/' },
      to: {
        path: '^(packages|apps)/|node_modules/@strata/',
        pathNot:
          '^packages/(core|segment-lang|sql|segment-eval)/|node_modules/@strata/(core|segment-lang|sql|segment-eval)/',
      },
    },
    {
      name: 'channels-see-only-core-and-the-signing-they-share',
      comment:
        'channel adapters implement the core MessageSender port: of our packages they import @strata/core, and the webhook signatures of @strata/membership (X-Strata-Signature) and @strata/ingest (HMAC verification), so each signature has one home',
      severity: 'error',
      from: { path: '^packages/channels/src/' },
      to: {
        path: '^(packages|apps)/|node_modules/@strata/',
        pathNot: '^packages/(core|membership|ingest|channels)/|node_modules/@strata/(core|membership|ingest)/',
      },
    },
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'only-apps-compose-adapters',
      comment: 'adapters (store-*, channels) are wired together only in apps/*',
      severity: 'error',
      from: { path: '^packages/(?!testkit/)', pathNot: '^packages/(store-[^/]+|channels)/' },
      to: { path: '^packages/(store-[^/]+|channels)/' },
    },
    {
      name: 'through-exports-only',
      comment:
        'cross-package imports go through package exports, never into another package src (an export entry is src/index.ts, or a subpath entry such as @strata/testkit/contracts: src/contracts/index.ts)',
      severity: 'error',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { path: '^(packages|apps)/([^/]+)/src/(?!(contracts/)?index\\.ts$)', pathNot: '^$1/$2/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['source', 'import', 'default'] },
    combinedDependencies: false,
  },
};

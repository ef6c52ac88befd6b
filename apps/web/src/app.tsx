import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { setUnauthorizedHandler } from './api.js';
import { Link, match, navigate, useLocation } from './router.js';
import { canWrite, currentSession, logOut, type Session, type User } from './session.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { SegmentListPage } from './pages/segment-list.js';

// The query language (parser, catalog, completions) loads with the pages that use it, not with
// the login page and the overview (docs/benchmarks.md has the sizes).
const SegmentPage = lazy(() => import('./pages/segment-page.js').then((m) => ({ default: m.SegmentPage })));
const SegmentGalleryPage = lazy(() =>
  import('./pages/segment-gallery.js').then((m) => ({ default: m.SegmentGalleryPage })),
);
const AutomationsPage = lazy(() => import('./pages/automations-page.js').then((m) => ({ default: m.AutomationsPage })));
const AutomationPage = lazy(() => import('./pages/automation-page.js').then((m) => ({ default: m.AutomationPage })));
const CampaignListPage = lazy(() => import('./pages/campaigns-page.js').then((m) => ({ default: m.CampaignListPage })));
const NewCampaignPage = lazy(() =>
  import('./pages/campaign-new-page.js').then((m) => ({ default: m.NewCampaignPage })),
);
const CampaignPage = lazy(() => import('./pages/campaign-page.js').then((m) => ({ default: m.CampaignPage })));
const CampaignResultsPage = lazy(() =>
  import('./pages/campaign-results-page.js').then((m) => ({ default: m.CampaignResultsPage })),
);
const SettingsPage = lazy(() => import('./pages/settings-page.js').then((m) => ({ default: m.SettingsPage })));
const CustomerPage = lazy(() => import('./pages/customer-page.js').then((m) => ({ default: m.CustomerPage })));

type SessionState = { state: 'checking' } | { state: 'out'; message?: string } | { state: 'in'; session: Session };

/** The login page is the entry; every other page needs a session (the cookie the server set). */
export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'checking' });
  useEffect(() => {
    setUnauthorizedHandler(() => setSession({ state: 'out', message: 'Your session has ended. Please log in again.' }));
    currentSession().then(
      (s) => setSession(s ? { state: 'in', session: s } : { state: 'out' }),
      (e: unknown) => setSession({ state: 'out', message: e instanceof Error ? e.message : String(e) }),
    );
  }, []);
  if (session.state === 'checking')
    return (
      <p className="muted page-status" role="status">
        Loading…
      </p>
    );
  if (session.state === 'out')
    return (
      <LoginPage
        {...(session.message !== undefined ? { message: session.message } : {})}
        onLoggedIn={(s) => {
          setSession({ state: 'in', session: s });
          if (window.location.pathname === '/login') navigate('/', { replace: true });
        }}
      />
    );
  return (
    <Shell
      user={session.session.user}
      onLogOut={() => {
        void logOut().finally(() => setSession({ state: 'out' }));
      }}
    />
  );
}

const sections = [
  { href: '/', name: 'Overview', active: (p: string) => p === '/' },
  { href: '/segments', name: 'Segments', active: (p: string) => p.startsWith('/segments') },
  { href: '/campaigns', name: 'Campaigns', active: (p: string) => p.startsWith('/campaigns') },
  { href: '/automations', name: 'Automations', active: (p: string) => p.startsWith('/automations') },
  { href: '/settings', name: 'Settings', active: (p: string) => p.startsWith('/settings') },
] as const;

function Shell(props: { user: User; onLogOut: () => void }) {
  const { path, query } = useLocation();
  const main = useRef<HTMLElement>(null);
  // After a page change, focus moves to the page (screen readers announce it; Tab starts there).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Strata</span>
        <nav aria-label="Main">
          <ul>
            {sections.map((s) => (
              <li key={s.href}>
                <Link href={s.href} {...(s.active(path) ? { 'aria-current': 'page' as const } : {})}>
                  {s.name}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {props.user.email} <span className="role">({props.user.role.replace('_', '-')})</span>
          </span>
          <button type="button" className="quiet" onClick={props.onLogOut}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense
          fallback={
            <p className="muted" role="status">
              Loading…
            </p>
          }
        >
          <Page path={path} query={query} user={props.user} />
        </Suspense>
      </main>
    </>
  );
}

function Page(props: { path: string; query: URLSearchParams; user: User }) {
  const { path, query, user } = props;
  const writable = canWrite(user);
  if (path === '/' || path === '/login') return <OverviewPage />;
  if (path === '/segments') return <SegmentListPage writable={writable} />;
  if (path === '/segments/new')
    return <SegmentPage key={`new:${query.get('q') ?? ''}`} initialText={query.get('q') ?? ''} writable={writable} />;
  if (path === '/segments/gallery')
    return <SegmentGalleryPage writable={writable} {...(query.get('ready') ? { chosen: query.get('ready')! } : {})} />;
  const segment = match('/segments/:id', path);
  if (segment) return <SegmentPage key={segment.id} id={segment.id!} writable={writable} />;
  if (path === '/automations') return <AutomationsPage writable={writable} />;
  const automation = match('/automations/:id', path);
  if (automation) return <AutomationPage key={automation.id} id={automation.id!} />;
  if (path === '/campaigns') return <CampaignListPage writable={writable} />;
  if (path === '/campaigns/new') return <NewCampaignPage />;
  const results = match('/campaigns/:id/results', path);
  if (results) return <CampaignResultsPage key={results.id} id={results.id!} />;
  const campaign = match('/campaigns/:id', path);
  if (campaign) return <CampaignPage key={campaign.id} id={campaign.id!} writable={writable} />;
  if (path === '/settings') return <SettingsPage user={user} />;
  const customer = match('/customers/:id', path);
  if (customer) return <CustomerPage key={customer.id} id={customer.id!} user={user} />;
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code>. <Link href="/">Go to the overview</Link>.
      </p>
    </section>
  );
}

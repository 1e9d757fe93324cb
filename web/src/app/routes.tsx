/**
 * @module The signed-in app: routes for every library view inside the app shell, with the banners, the sync
 * status and the upload surfaces that belong on every screen.
 */

import {
  Navigate,
  Route,
  Router,
  type RouteSectionProps,
  useNavigate,
  useSearchParams,
} from '@solidjs/router';
import ArchiveIcon from 'lucide-solid/icons/archive';
import BookImage from 'lucide-solid/icons/book-image';
import Image from 'lucide-solid/icons/image';
import KeyRound from 'lucide-solid/icons/key-round';
import Lock from 'lucide-solid/icons/lock';
import Search from 'lucide-solid/icons/search';
import Settings from 'lucide-solid/icons/settings';
import Star from 'lucide-solid/icons/star';
import TagIcon from 'lucide-solid/icons/tag';
import Trash from 'lucide-solid/icons/trash';
import WifiOff from 'lucide-solid/icons/wifi-off';
import { type Accessor, createSignal, onCleanup, Show } from 'solid-js';
import { AlbumScreen } from '../features/albums/album-screen';
import { AlbumsScreen } from '../features/albums/albums-screen';
import type { ThemeChoice } from '../features/settings/create-theme';
import { SettingsScreen } from '../features/settings/settings-screen';
import { TagScreen } from '../features/tags/tag-screen';
import { TagsScreen } from '../features/tags/tags-screen';
import { TimelineScreen } from '../features/timeline/timeline-screen';
import { UploadPickers, Uploads } from '../features/upload/uploads';
import { AppShell, type NavItem } from '../ui/app-shell';
import { Banner } from '../ui/banner';
import { Button, IconButton } from '../ui/button';
import { SyncStatusView } from '../ui/sync-status';
import { useVault, useVaultEvents } from './vault-context';

const NAV_ITEMS: ReadonlyArray<NavItem> = [
  { href: '/', label: 'Photos', icon: <Image aria-hidden="true" />, end: true },
  { href: '/albums', label: 'Albums', icon: <BookImage aria-hidden="true" /> },
  { href: '/tags', label: 'Tags', icon: <TagIcon aria-hidden="true" /> },
  { href: '/favourites', label: 'Favourites', icon: <Star aria-hidden="true" /> },
  { href: '/archive', label: 'Archive', icon: <ArchiveIcon aria-hidden="true" /> },
  { href: '/trash', label: 'Trash', icon: <Trash aria-hidden="true" /> },
  { href: '/settings', label: 'Settings', icon: <Settings aria-hidden="true" /> },
];

export interface SignedInAppProps {
  readonly isOnline: Accessor<boolean>;
  readonly theme: Accessor<ThemeChoice>;
  readonly onTheme: (theme: ThemeChoice) => void;
}

/** A clock that ticks once a minute, for "synced 3 min ago". */
const createMinuteClock = (): Accessor<number> => {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 30_000);
  onCleanup(() => clearInterval(timer));
  return now;
};

const SearchRoute = () => {
  const [params] = useSearchParams<{ q: string }>();
  const query = () => params.q ?? '';
  return (
    <TimelineScreen
      view={{ kind: 'search', query: query() }}
      title={`Results for “${query()}”`}
      empty={{
        title: 'No matches',
        text: 'Search looks at file names, captions, tags and dates.',
        icon: <Search aria-hidden="true" />,
      }}
    />
  );
};

export const SignedInApp = (props: SignedInAppProps) => {
  const client = useVault();
  const events = useVaultEvents();
  const now = createMinuteClock();

  const Shell = (section: RouteSectionProps) => {
    const navigate = useNavigate();
    const [params] = useSearchParams<{ q: string }>();
    const sync = () => events.syncStatus();
    return (
      <AppShell
        navItems={NAV_ITEMS}
        searchQuery={section.location.pathname === '/search' ? (params.q ?? '') : ''}
        onSearch={(query) =>
          query.trim() === ''
            ? navigate('/', { replace: true })
            : navigate(`/search?q=${encodeURIComponent(query)}`, {
                replace: section.location.pathname === '/search',
              })
        }
        actions={
          <>
            <UploadPickers />
            <IconButton label="Lock" icon={<Lock aria-hidden="true" />} onClick={() => void client.lock()} />
          </>
        }
        navFooter={
          <SyncStatusView
            isOnline={props.isOnline() && (sync()?.isOnline ?? true)}
            isSyncing={sync()?.isSyncing ?? false}
            pendingChanges={sync()?.pendingChanges ?? 0}
            lastSyncedAt={sync()?.lastSyncedAt ?? null}
            now={now()}
          />
        }
        banners={
          <>
            <Show when={!props.isOnline()}>
              <Banner tone="warning" icon={<WifiOff aria-hidden="true" />}>
                You are offline. Changes are kept on this device and sync when you are back online.
              </Banner>
            </Show>
            {/* Unlocked on this device, but the server refused the session: the password changed elsewhere, or
                this device was signed out. Unlocking again with the current password signs in anew. */}
            <Show when={sync()?.lastError?.type === 'SignInRefused'}>
              <Banner
                tone="warning"
                icon={<KeyRound aria-hidden="true" />}
                action={<Button onClick={() => void client.lock()}>Lock and enter password</Button>}
              >
                The server did not accept this device's sign-in: your password may have changed on another
                device, or this device was signed out. Changes stay on this device until you unlock with your
                current password.
              </Banner>
            </Show>
          </>
        }
      >
        {section.children}
        <Uploads />
      </AppShell>
    );
  };

  return (
    <Router root={Shell}>
      <Route
        path="/"
        component={() => (
          <TimelineScreen
            view={{ kind: 'all' }}
            title="Photos"
            empty={{
              title: 'Your vault is empty',
              text: 'Drop photos anywhere in this window, or use Upload.',
            }}
          />
        )}
      />
      <Route
        path="/favourites"
        component={() => (
          <TimelineScreen
            view={{ kind: 'favourites' }}
            title="Favourites"
            empty={{
              title: 'No favourites yet',
              text: 'Star a photo to find it here.',
              icon: <Star aria-hidden="true" />,
            }}
          />
        )}
      />
      <Route
        path="/archive"
        component={() => (
          <TimelineScreen
            view={{ kind: 'archive' }}
            title="Archive"
            empty={{
              title: 'Nothing archived',
              text: 'Archived photos stay in your vault but leave the timeline.',
              icon: <ArchiveIcon aria-hidden="true" />,
            }}
          />
        )}
      />
      <Route
        path="/trash"
        component={() => (
          <TimelineScreen
            view={{ kind: 'trash' }}
            title="Trash"
            empty={{
              title: 'Trash is empty',
              text: 'Items in the trash are deleted forever after 30 days.',
              icon: <Trash aria-hidden="true" />,
            }}
          />
        )}
      />
      <Route path="/albums" component={AlbumsScreen} />
      <Route path="/albums/:id" component={AlbumScreen} />
      <Route path="/tags" component={TagsScreen} />
      <Route path="/tags/:id" component={TagScreen} />
      <Route path="/search" component={SearchRoute} />
      <Route
        path="/settings"
        component={() => <SettingsScreen theme={props.theme()} onTheme={props.onTheme} />}
      />
      <Route path="*" component={() => <Navigate href="/" />} />
    </Router>
  );
};

/**
 * @module The frame every signed-in screen sits in: top bar (menu, brand, search, actions), side navigation,
 * banners and the content area. Presentational: navigation items and the search come in as props.
 */

import { A } from '@solidjs/router';
import Menu from 'lucide-solid/icons/menu';
import Search from 'lucide-solid/icons/search';
import { createSignal, For, type JSX } from 'solid-js';
import { IconButton } from './button';
import './app-shell.css';

export interface NavItem {
  readonly href: string;
  readonly label: string;
  readonly icon: JSX.Element;
  /** Matches only the exact path (for "/"). */
  readonly end?: boolean;
}

export interface AppShellProps {
  readonly navItems: ReadonlyArray<NavItem>;
  readonly searchQuery: string;
  readonly onSearch: (query: string) => void;
  readonly actions?: JSX.Element;
  readonly navFooter?: JSX.Element;
  readonly banners?: JSX.Element;
  readonly children: JSX.Element;
}

export const AppShell = (props: AppShellProps) => {
  const [isNavOpen, setNavOpen] = createSignal(false);
  return (
    <div class="app-shell" classList={{ 'app-shell--nav-open': isNavOpen() }}>
      <a class="skip-link" href="#main-content">
        Skip to content
      </a>
      <header class="top-bar">
        <IconButton
          class="top-bar__menu"
          label="Menu"
          icon={<Menu aria-hidden="true" />}
          aria-expanded={isNavOpen()}
          aria-controls="side-nav"
          onClick={() => setNavOpen(!isNavOpen())}
        />
        <A href="/" class="top-bar__brand">
          <img src="/icon.svg" alt="" width="32" height="32" />
          <span>Halyon</span>
        </A>
        <search class="top-bar__search">
          <Search aria-hidden="true" class="top-bar__search-icon" />
          <input
            type="search"
            aria-label="Search your photos"
            placeholder="Search your photos"
            value={props.searchQuery}
            onInput={(event) => props.onSearch(event.currentTarget.value)}
          />
        </search>
        <div class="top-bar__actions">{props.actions}</div>
      </header>
      <nav id="side-nav" class="side-nav" aria-label="Library">
        <ul>
          <For each={props.navItems}>
            {(item) => (
              <li>
                <A
                  href={item.href}
                  end={item.end}
                  class="side-nav__link"
                  activeClass="side-nav__link--active"
                  onClick={() => setNavOpen(false)}
                >
                  {item.icon}
                  <span>{item.label}</span>
                </A>
              </li>
            )}
          </For>
        </ul>
        <div class="side-nav__footer">{props.navFooter}</div>
      </nav>
      <div class="app-shell__scrim" aria-hidden="true" onClick={() => setNavOpen(false)} />
      <main id="main-content" class="app-shell__main" tabIndex={-1}>
        {props.banners}
        {props.children}
      </main>
    </div>
  );
};

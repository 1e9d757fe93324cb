/**
 * @module The browser's (or worker's) online state as the runner's NetworkStatus.
 */
import type { NetworkStatus } from './runner';

export const browserNetworkStatus: NetworkStatus = {
  isOnline: () => navigator.onLine,
  onChange(listener) {
    const online = () => listener(true);
    const offline = () => listener(false);
    addEventListener('online', online);
    addEventListener('offline', offline);
    return () => {
      removeEventListener('online', online);
      removeEventListener('offline', offline);
    };
  },
};

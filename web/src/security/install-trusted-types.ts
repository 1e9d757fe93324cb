/**
 * @module Side-effect module: installs the Trusted Types policy. Imported first by the entry, because imported
 * modules run before the entry's own code and some libraries build a template while they load.
 */

import { installTrustedTypesPolicy } from './trusted-types';

installTrustedTypesPolicy();

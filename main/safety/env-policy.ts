/**
 * The allowlist names executables, but an environment variable can make an allowed executable load
 * someone else's code (NODE_OPTIONS=--require, LD_PRELOAD, PYTHONPATH, BASH_ENV ...). Such a
 * variable is refused unless the plan names it in `allowEnv`, and then every preview shows it as a
 * WARNING. The variables Probe Lab itself sets (PROBE_LAB_*) can never be set by a plan.
 */
import { LabError } from '../util/errors';

/**
 * Exact names that change what a program loads or runs: interpreters' startup hooks and module
 * paths, shells' startup files, helper programs that tools execute, and TLS trust roots.
 */
const LOADER_VARS = new Set([
  // Node / Electron
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_ICU_DATA',
  'ELECTRON_RUN_AS_NODE',
  // Shells: startup files, tracing prompts that expand commands, word splitting
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'IFS',
  'ZDOTDIR',
  'PATH',
  'SHELL',
  // Java / .NET
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  'JAVA_HOME',
  'DOTNET_STARTUP_HOOKS',
  'CORECLR_PROFILER',
  'CORECLR_PROFILER_PATH',
  'COR_PROFILER',
  // Other interpreters' module paths and startup hooks
  'LUA_PATH',
  'LUA_CPATH',
  'LUA_INIT',
  'TCLLIBPATH',
  'PHPRC',
  'PHP_INI_SCAN_DIR',
  'R_PROFILE',
  'R_PROFILE_USER',
  'R_ENVIRON',
  'R_ENVIRON_USER',
  'GEM_PATH',
  'GEM_HOME',
  'BUNDLE_GEMFILE',
  // glibc: iconv modules, locale data, tunables (CVE-2023-4911), host aliases
  'GCONV_PATH',
  'LOCPATH',
  'NLSPATH',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  'RESOLV_HOST_CONF',
  // Programs that tools execute on their own
  'EDITOR',
  'VISUAL',
  'PAGER',
  'MANPAGER',
  'LESSOPEN',
  'LESSCLOSE',
  'BROWSER',
  'SSH_ASKPASS',
  'SUDO_ASKPASS',
  // OpenSSL engines and config, TLS key logging
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'OPENSSL_MODULES',
  'SSLKEYLOGFILE',
  // Where per-user config and startup files are read from
  'HOME',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  'TERMINFO',
  'TERMINFO_DIRS',
]);

/**
 * Whole families: the dynamic linker (LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH ...; DYLD_* on macOS),
 * Python (PYTHONPATH, PYTHONSTARTUP, PYTHONHOME, PYTHONBREAKPOINT, PYTHONWARNINGS import modules),
 * Perl (PERL5OPT, PERL5LIB, PERL5DB), Ruby (RUBYOPT, RUBYLIB), git (GIT_EXEC_PATH, GIT_SSH_COMMAND,
 * GIT_CONFIG_*), npm (npm_config_node_options, npm_config_script_shell) and bash exported functions.
 */
const LOADER_PREFIXES = ['LD_', 'DYLD_', 'PYTHON', 'PERL', 'RUBY', 'GIT_', 'NPM_CONFIG_', 'BASH_FUNC_'];

/** Harmless members of a refused family: output buffering and encoding only. */
const HARMLESS = new Set(['PYTHONUNBUFFERED', 'PYTHONDONTWRITEBYTECODE', 'PYTHONIOENCODING', 'PYTHONUTF8']);

/** What Probe Lab sets in every target's environment. */
export const RESERVED_PREFIX = 'PROBE_LAB_';

export function isLoaderVar(name: string): boolean {
  // Upper-cased: Windows reads environment names case-insensitively, and npm reads npm_config_*.
  const up = name.toUpperCase();
  if (HARMLESS.has(up)) return false;
  return LOADER_VARS.has(up) || LOADER_PREFIXES.some((p) => up.startsWith(p));
}

/**
 * Throws PLAN_ENV_REFUSED for a reserved variable, or for a loader variable the plan does not
 * name in allowEnv. Returns the loader variables that were allowed, for the preview's WARNING.
 */
export function checkEnv(
  env: Record<string, string>,
  allowEnv: readonly string[] | undefined,
  where: string,
): string[] {
  const allowed: string[] = [];
  for (const name of Object.keys(env)) {
    if (name.toUpperCase().startsWith(RESERVED_PREFIX))
      throw new LabError(
        'PLAN_ENV_REFUSED',
        `${where}: ${name} is set by Probe Lab itself and cannot be set by a plan`,
      );
    if (!isLoaderVar(name)) continue;
    if (!allowEnv?.includes(name))
      throw new LabError(
        'PLAN_ENV_REFUSED',
        `${where}: env ${name} changes what an allowed executable loads or runs; refused unless the plan lists it in allowEnv`,
      );
    allowed.push(name);
  }
  return allowed;
}

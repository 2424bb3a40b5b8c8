// The CLI's TLS options, for every command that talks to a master, an agent or the services
// API over https: a CA to verify servers with and a client certificate for servers that
// require one. Each option has its TESSERA_ variable; Mesos's LIBPROCESS_SSL_* variables are
// read too (src/http/tls.ts). Servers are verified whenever the URL is https, unless
// LIBPROCESS_SSL_VERIFY_SERVER_CERT=false.
import { type Command, Option } from "commander";
import { setProcessTls, type TlsOverrides, tlsSettingsFrom } from "../http/tls.ts";
import { EXIT_USAGE } from "./cli-error.ts";

export interface TlsCliOptions {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
}

const PROGRAM_TLS_OPTIONS = ["--ca_file", "--cert_file", "--key_file"];

/**
 * Moves the TLS options to the front of the command line, so that they may follow the
 * command (`tessera tasks --master URL --ca_file F`): commander reads a program option only
 * before the command's own options. Nothing after `--` (a task's command) is touched.
 */
export function hoistTlsOptions(argv: readonly string[]): string[] {
  const head = argv.slice(0, 2);
  const hoisted: string[] = [];
  const rest: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const name = arg.split("=")[0] as string;
    if (PROGRAM_TLS_OPTIONS.includes(name)) {
      hoisted.push(arg);
      if (!arg.includes("=") && i + 1 < argv.length) hoisted.push(argv[++i] as string);
    } else {
      rest.push(arg);
    }
  }
  return [...head, ...hoisted, ...rest];
}

/** The options, added once to the program (any place before `--`: see hoistTlsOptions). */
export function addTlsOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        "--ca_file <path>",
        "PEM CA certificates that https servers are verified with (env TESSERA_CA_FILE, LIBPROCESS_SSL_CA_FILE)",
      ),
    )
    .addOption(
      new Option(
        "--cert_file <path>",
        "PEM client certificate, for servers that require one (env TESSERA_CERT_FILE)",
      ),
    )
    .addOption(new Option("--key_file <path>", "PEM key of --cert_file (env TESSERA_KEY_FILE)"))
    .hook("preAction", () => {
      const failure = applyTlsOptions(program.opts<TlsCliOptions>());
      if (failure !== undefined) exitWithUsage(failure);
    });
}

/**
 * Makes the options and the environment this process's TLS settings (the client uses them);
 * a bad LIBPROCESS_SSL_* value is returned as the message to print.
 */
export function applyTlsOptions(
  opts: TlsCliOptions,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return applyOverrides(env, {
    caFile: opts.ca_file,
    certFile: opts.cert_file,
    keyFile: opts.key_file,
  });
}

function applyOverrides(env: NodeJS.ProcessEnv, overrides: TlsOverrides): string | undefined {
  const read = tlsSettingsFrom(env, overrides);
  if (!read.ok) return read.message;
  setProcessTls(read.settings);
  return undefined;
}

/** A server command's `--ssl_*` options (`tessera services serve`), as the daemons' flags. */
export interface ServerTlsOptions {
  ssl_enabled?: boolean;
  ssl_cert_file?: string;
  ssl_key_file?: string;
  ssl_ca_file?: string;
  ssl_require_cert?: boolean;
  ssl_support_downgrade?: boolean;
}

/**
 * Adds the `--ssl_*` options of a server command (they win over LIBPROCESS_SSL_*), applied
 * before its action runs.
 */
export function withServerTlsOptions(command: Command): Command {
  return command
    .option("--ssl_enabled", "serve over TLS (LIBPROCESS_SSL_ENABLED)")
    .option("--ssl_cert_file <path>", "PEM certificate (LIBPROCESS_SSL_CERT_FILE)")
    .option("--ssl_key_file <path>", "PEM key (LIBPROCESS_SSL_KEY_FILE)")
    .option(
      "--ssl_ca_file <path>",
      "PEM CA certificates peers are verified with (LIBPROCESS_SSL_CA_FILE)",
    )
    .option(
      "--ssl_require_cert",
      "refuse clients without a valid certificate (LIBPROCESS_SSL_REQUIRE_CERT)",
    )
    .option(
      "--ssl_support_downgrade",
      "also serve plain HTTP on the port (LIBPROCESS_SSL_SUPPORT_DOWNGRADE)",
    )
    .hook("preAction", () => {
      const failure = applyServerTlsOptions(command.opts<ServerTlsOptions>());
      if (failure !== undefined) exitWithUsage(failure);
    });
}

/** Makes a server command's `--ssl_*` options this process's TLS; a bad value is returned. */
export function applyServerTlsOptions(
  o: ServerTlsOptions,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return applyOverrides(env, {
    enabled: o.ssl_enabled,
    certFile: o.ssl_cert_file,
    keyFile: o.ssl_key_file,
    caFile: o.ssl_ca_file,
    requireClientCert: o.ssl_require_cert,
    supportDowngrade: o.ssl_support_downgrade,
  });
}

/** Before any action runs: one line and the usage exit code, as a bad flag gets. */
function exitWithUsage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(EXIT_USAGE);
}

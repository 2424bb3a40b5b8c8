// Running CNI plugins (the CNI spec's ADD and DEL over a network configuration list) and
// reading network configurations from --network_cni_config_dir: `.conflist` files, and the
// single-plugin `.conf` / `.json` files Mesos reads, each wrapped into a one-plugin list.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A network configuration list (a single-plugin file becomes a list of one). */
export interface CniNetwork {
  readonly cniVersion: string;
  readonly name: string;
  readonly plugins: readonly Record<string, unknown>[];
}

export interface CniPortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
}

export interface CniAttachment {
  readonly containerId: string;
  readonly netnsPath: string;
  readonly ifName: string;
  readonly portMappings: readonly CniPortMapping[];
}

export type CniResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** A plugin that has not answered by then is killed and the step fails. */
const PLUGIN_TIMEOUT_MS = 30_000;
/** A plugin's answer is a small JSON document; more is refused. */
const MAX_PLUGIN_OUTPUT_BYTES = 1 << 20;

/** The networks of a config dir by name (a later file of the same name is ignored, as the
 *  files are read in name order), with what could not be read. */
export function readCniConfigDir(dir: string): {
  networks: Map<string, CniNetwork>;
  errors: string[];
} {
  const networks = new Map<string, CniNetwork>();
  const errors: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    return { networks, errors: [`cannot read ${dir}: ${(e as Error).message}`] };
  }
  for (const file of names) {
    if (!/\.(conflist|conf|json)$/.test(file)) continue;
    try {
      const parsed = JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
      const net = asNetwork(parsed);
      if (net === null) errors.push(`${file}: not a CNI network configuration`);
      else if (!networks.has(net.name)) networks.set(net.name, net);
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  return { networks, errors };
}

function asNetwork(j: Record<string, unknown>): CniNetwork | null {
  if (typeof j.name !== "string") return null;
  const cniVersion = typeof j.cniVersion === "string" ? j.cniVersion : "0.4.0";
  if (Array.isArray(j.plugins)) {
    return { cniVersion, name: j.name, plugins: j.plugins as Record<string, unknown>[] };
  }
  if (typeof j.type !== "string") return null;
  return { cniVersion, name: j.name, plugins: [j] };
}

/** One plugin's config as the spec hands it over: with the list's name and version, the
 *  previous plugin's result, and the port mappings where it asks for them. */
function pluginConfig(
  net: CniNetwork,
  plugin: Record<string, unknown>,
  a: CniAttachment,
  prevResult: unknown,
): string {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: net.cniVersion, name: net.name };
  if (prevResult !== undefined) conf.prevResult = prevResult;
  const caps = plugin.capabilities as Record<string, unknown> | undefined;
  if (caps?.portMappings === true) conf.runtimeConfig = { portMappings: a.portMappings };
  return JSON.stringify(conf);
}

/** CNI ADD through the list; the last plugin's result (ips, dns). On failure the plugins
 *  already added are deleted again. */
export async function cniAdd(
  net: CniNetwork,
  a: CniAttachment,
  pluginsDir: string,
): Promise<CniResult<Record<string, unknown>>> {
  let prev: unknown;
  for (let i = 0; i < net.plugins.length; i++) {
    const plugin = net.plugins[i] as Record<string, unknown>;
    const ran = await runPlugin("ADD", pluginConfig(net, plugin, a, prev), a, pluginsDir, plugin);
    if (!ran.ok) {
      await cniDel({ ...net, plugins: net.plugins.slice(0, i + 1) }, a, pluginsDir, prev);
      return ran;
    }
    prev = ran.value;
  }
  return { ok: true, value: (prev ?? {}) as Record<string, unknown> };
}

/** CNI DEL through the list in reverse; every plugin is asked even when one fails (DEL is
 *  idempotent in the spec). What failed, if anything. */
export async function cniDel(
  net: CniNetwork,
  a: CniAttachment,
  pluginsDir: string,
  prevResult: unknown,
): Promise<string | undefined> {
  const failures: string[] = [];
  for (let i = net.plugins.length - 1; i >= 0; i--) {
    const plugin = net.plugins[i] as Record<string, unknown>;
    const conf = pluginConfig(net, plugin, a, prevResult);
    const ran = await runPlugin("DEL", conf, a, pluginsDir, plugin);
    if (!ran.ok) failures.push(ran.message);
  }
  return failures.length === 0 ? undefined : failures.join("; ");
}

function runPlugin(
  command: "ADD" | "DEL",
  stdin: string,
  a: CniAttachment,
  pluginsDir: string,
  plugin: Record<string, unknown>,
): Promise<CniResult<unknown>> {
  const type = String(plugin.type);
  if (!/^[A-Za-z0-9._-]+$/.test(type)) {
    return Promise.resolve({ ok: false, message: `bad CNI plugin type '${type}'` });
  }
  const env = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    CNI_COMMAND: command,
    CNI_CONTAINERID: a.containerId,
    CNI_NETNS: a.netnsPath,
    CNI_IFNAME: a.ifName,
    CNI_PATH: pluginsDir,
  };
  return new Promise((resolve) => {
    const child = spawn(join(pluginsDir, type), [], { env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill("SIGKILL"), PLUGIN_TIMEOUT_MS);
    const collect = (b: Buffer) => {
      size += b.length;
      if (size <= MAX_PLUGIN_OUTPUT_BYTES) out.push(b);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.stdin.on("error", () => {});
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `CNI plugin ${type} (${command}): ${e.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString("utf8").trim();
      if (code === 0) {
        try {
          resolve({ ok: true, value: text === "" ? undefined : JSON.parse(text) });
        } catch {
          resolve({ ok: false, message: `CNI plugin ${type} (${command}) answered non-JSON` });
        }
        return;
      }
      resolve({
        ok: false,
        message: `CNI plugin ${type} (${command}) failed: ${why(text, code, signal)}`,
      });
    });
    child.stdin.end(stdin);
  });
}

/** The spec's error object's msg (and details), else the output or the exit status. */
function why(text: string, code: number | null, signal: string | null): string {
  try {
    const e = JSON.parse(text) as { msg?: string; details?: string };
    if (typeof e.msg === "string") return e.details ? `${e.msg}: ${e.details}` : e.msg;
  } catch {
    // Not the spec's error object.
  }
  if (text !== "") return text.slice(0, 500);
  return signal !== null ? `killed by ${signal} (timeout?)` : `exit status ${code}`;
}

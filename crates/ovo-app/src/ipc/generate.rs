//! The files generated from the IPC declarations, committed and checked by a test:
//! `cargo xtask gen-types` writes them all.

use std::collections::BTreeSet;

use serde::Serialize;
use ts_rs::{Config, TS};

use super::commands::{IpcCommand, IPC_COMMANDS};
use super::typescript_bindings;
use crate::error::ErrorCode;
use crate::ipc::ProviderProblemKind;

/// One generated file: its path from the repository's root and its content.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub path: &'static str,
    pub content: String,
}

/// Every file generated from the IPC declarations.
pub fn generated_files() -> Vec<GeneratedFile> {
    vec![
        GeneratedFile { path: "ui/src/lib/ipc/types.ts", content: typescript_bindings() },
        GeneratedFile { path: "ui/src/lib/ipc/commands.ts", content: typescript_client() },
        GeneratedFile { path: "src-tauri/capabilities/main.json", content: capability_json() },
        GeneratedFile { path: "src-tauri/gen/commands.rs", content: shell_command_list() },
    ]
}

/// How the types are written: ids, money and counts (`i64`, `u64`) are TypeScript numbers.
pub(super) fn ts_config() -> Config {
    Config::default().with_large_int("number")
}

pub(super) const GENERATED_BY: &str =
    "Generated from Rust (crates/ovo-app/src/ipc) by `cargo xtask gen-types`. Do not edit.";

/// The closed sets the UI lists in full (to check a value, or that every value is translated).
pub(super) fn typescript_code_arrays() -> String {
    let cfg = ts_config();
    let arrays = [
        ("ERROR_CODES", ErrorCode::name(&cfg), ErrorCode::inline(&cfg)),
        (
            "PROVIDER_PROBLEM_KINDS",
            ProviderProblemKind::name(&cfg),
            ProviderProblemKind::inline(&cfg),
        ),
    ];
    let mut out = String::new();
    for (name, ty, union) in arrays {
        out += &format!("export const {name}: readonly {ty}[] = [\n");
        for value in union.split(" | ") {
            out += &format!("  {value},\n");
        }
        out += "];\n";
    }
    out
}

fn camel_case(snake: &str) -> String {
    let mut words = snake.split('_');
    let mut out = words.next().unwrap_or_default().to_owned();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// The types a TypeScript type expression names (`Array<OperatorView>` names `OperatorView`).
fn named_types(ts: &str) -> impl Iterator<Item = &str> {
    ts.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| word.starts_with(|c: char| c.is_ascii_uppercase()) && *word != "Array")
}

struct Signature {
    method: String,
    input: Option<String>,
    output: String,
}

fn signature(command: &IpcCommand, cfg: &Config) -> Signature {
    Signature {
        method: camel_case(command.name),
        input: command.input.map(|name| name(cfg)),
        output: (command.output)(cfg),
    }
}

/// The UI's typed commands: one method per command, its type inferred from the method.
pub fn typescript_client() -> String {
    let cfg = ts_config();
    let signatures: Vec<Signature> = IPC_COMMANDS.iter().map(|c| signature(c, &cfg)).collect();
    let imports: BTreeSet<&str> = signatures
        .iter()
        .flat_map(|s| s.input.iter().chain([&s.output]))
        .flat_map(|ts| named_types(ts))
        .collect();

    let mut out = format!("// {GENERATED_BY}\n\n");
    out += "import type {\n";
    for name in imports {
        out += &format!("  {name},\n");
    }
    out += "} from './types';\n\n";

    out += "/** Sends one command; `input`, when given, travels as Tauri's `input` argument. */\n";
    out += "export type Call = <T>(command: string, input?: unknown) => Promise<T>;\n\n";
    out += "/** One method per back-end command. */\n";
    out += "export function commands(call: Call) {\n  return {\n";
    for (command, s) in IPC_COMMANDS.iter().zip(&signatures) {
        match command.doc {
            [] => {}
            [line] => out += &format!("    /** {} */\n", line.trim()),
            lines => {
                out += "    /**\n";
                for line in lines {
                    out += &format!("     * {}\n", line.trim());
                }
                out += "     */\n";
            }
        }
        let (param, arg) = match &s.input {
            Some(ty) => (format!("input: {ty}"), ", input"),
            None => (String::new(), ""),
        };
        out += &format!(
            "    {}: ({param}) => call<{}>('{}'{arg}),\n",
            s.method, s.output, command.name
        );
    }
    out += "  };\n}\n\n";
    out += "export type Commands = ReturnType<typeof commands>;\n";
    out
}

/// A Tauri capability file, its fields in the order they are written.
#[derive(Serialize)]
struct Capability {
    #[serde(rename = "$schema")]
    schema: &'static str,
    identifier: &'static str,
    description: &'static str,
    windows: [&'static str; 1],
    permissions: Vec<String>,
}

/// The main window's capability: exactly the declared commands.
pub fn capability_json() -> String {
    let capability = Capability {
        schema: "../gen/schemas/desktop-schema.json",
        identifier: "main-window",
        description: "The main window may call the back office's own commands and nothing else: \
                      no core plugins, no shell, no file system.",
        windows: ["main"],
        permissions: IPC_COMMANDS
            .iter()
            .map(|c| format!("allow-{}", c.name.replace('_', "-")))
            .collect(),
    };
    let mut out = serde_json::to_string_pretty(&capability).expect("a capability serialises");
    out.push('\n');
    out
}

/// The shell's build script reads this list: its app manifest makes each command an ACL permission.
pub fn shell_command_list() -> String {
    let mut out =
        format!("// {GENERATED_BY}\n\n/// Every IPC command.\nconst COMMANDS: &[&str] = &[\n");
    for command in IPC_COMMANDS {
        out += &format!("    \"{}\",\n", command.name);
    }
    out += "];\n";
    out
}

//! The Tauri commands, made from the one declaration of each (`ovo_app::ipc_commands!`): a
//! `backoffice` command calls the `Backoffice` method of the same name, a `shell` command the
//! function of that name in `shell_commands.rs`, a `startup` command the one in `startup.rs`. Every reply is recorded in the IPC journal.

use ovo_app::ipc::*;
use ovo_app::AppError;
use tauri::ipc::Invoke;
use tauri::{AppHandle, State};

use crate::startup::{self, Startup};
use crate::{shell_commands, Shell};

type Reply<T> = Result<T, AppError>;

/// The `input` argument, passed on when the declaration names an input type.
macro_rules! pass_input {
    ($input:ident, $ty:ty) => {
        $input
    };
}

macro_rules! tauri_commands {
    (
        backoffice { $( $(#[doc = $doc:literal])* $name:ident ( $($input:ty)? ) -> $output:ty; )* }
        shell { $( $(#[doc = $sdoc:literal])* $sname:ident ( $($sinput:ty)? ) -> $soutput:ty; )* }
        startup { $( $(#[doc = $udoc:literal])* $uname:ident ( $($uinput:ty)? ) -> $uoutput:ty; )* }
    ) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            async fn $name(shell: State<'_, Shell>, $(input: $input)?) -> Reply<$output> {
                let reply = shell.app.$name($(pass_input!(input, $input))?).await;
                shell.journal.record(stringify!($name), reply)
            }
        )*
        $(
            $(#[doc = $sdoc])*
            #[tauri::command]
            async fn $sname(
                app: AppHandle,
                shell: State<'_, Shell>,
                $(input: $sinput)?
            ) -> Reply<$soutput> {
                let reply =
                    shell_commands::$sname(&app, &shell.app, $(pass_input!(input, $sinput))?).await;
                shell.journal.record(stringify!($sname), reply)
            }
        )*

        $(
            $(#[doc = $udoc])*
            #[tauri::command]
            async fn $uname(app: AppHandle, startup: State<'_, Startup>, $(input: $uinput)?) -> Reply<$uoutput> {
                startup::$uname(&app, &startup, $(pass_input!(input, $uinput))?).await
            }
        )*

        /// Answers every declared command.
        pub fn handler() -> impl Fn(Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* $($sname,)* $($uname,)*]
        }
    };
}

ovo_app::ipc_commands!(tauri_commands);

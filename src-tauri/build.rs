// The app manifest makes every command an ACL permission: a window may call only the
// commands its capability file (capabilities/main.json) allows.
const COMMANDS: &[&str] = &[
    "app_info",
    "session_status",
    "touch_session",
    "set_up_first_admin",
    "sign_in",
    "sign_out",
    "lock_session",
    "unlock_session",
    "list_operators",
    "create_operator",
    "change_operator_role",
    "set_operator_disabled",
    "list_credentials",
    "set_credential",
    "delete_credential",
    "list_audit",
    "verify_audit",
    "get_preferences",
    "set_language",
    "set_idle_lock",
    "set_environment",
    "search_customers",
    "customer_page",
    "start_link",
    "retry_link",
    "refresh_link",
    "unlink_account",
    "refresh_balance",
    "account_history",
    "top_up_instructions",
    "open_external",
    "preview_refund",
    "request_refund",
    "decide_refund",
    "refund_page",
    "refund_queue",
    "list_refund_policies",
    "set_refund_policy",
    "reset_refund_policy",
    "payment_options",
    "start_payment",
    "payments_page",
    "payment_page",
    "refresh_payment",
    "request_payment_again",
    "listener_settings",
    "set_listener",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}

// The app manifest makes every command an ACL permission: a window may call only the
// commands its capability file (capabilities/main.json) allows. Both lists are generated from
// the commands' one declaration (`cargo xtask gen-types`).
include!("gen/commands.rs");

fn main() {
    println!("cargo:rerun-if-changed=gen/commands.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}

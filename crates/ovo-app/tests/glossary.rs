//! One vocabulary in Bahasa Indonesia (docs/glossary-id.md): no Indonesian sentence the Rust code
//! makes uses a word of the glossary's avoid column (docs/glossary-id-avoid.json) or shows a raw
//! status key, and every one exists in both languages. Two nets: the sentences themselves, made
//! through the public API for every case; and every string literal in the Rust sources.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use ovo_app::{ledger_in_use_message, LockHolder};
use ovo_domain::refund_policy::{RefundPolicy, RefundRefusal};
use ovo_domain::{
    Idr, Lang, PaymentStatus, Product, RefundStatus, SettlementKind, SettlementOutcome, Timestamp,
};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One pattern of the avoid column: its alternatives, what to use instead, and whether it is an
/// English word too.
struct Avoid {
    words: Vec<String>,
    instead: String,
    english_too: bool,
}

fn avoid_list() -> Vec<Avoid> {
    let text = std::fs::read_to_string(root().join("docs/glossary-id-avoid.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["avoid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Avoid {
            words: a["pattern"].as_str().unwrap().split('|').map(str::to_lowercase).collect(),
            instead: a["use"].as_str().unwrap().to_owned(),
            english_too: a["englishToo"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// `word` stands in `text` as a whole word (or phrase), without case.
fn has_word(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let is_letter = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    text.match_indices(word).any(|(at, _)| {
        !is_letter(text[..at].chars().next_back())
            && !is_letter(text[at + word.len()..].chars().next())
    })
}

/// A raw key (`needs_review`, `settled_offline`) outside a `{placeholder}`.
fn raw_key(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .find(|t| t.contains('_') && t.split('_').filter(|p| !p.is_empty()).count() >= 2)
        .map(str::to_owned)
}

/// What is wrong with one Indonesian text: the words it should not use, and a raw key.
fn problems(text: &str, avoid: &[Avoid], with_english_words: bool) -> Vec<String> {
    let mut found: Vec<String> = avoid
        .iter()
        .filter(|a| with_english_words || !a.english_too)
        .flat_map(|a| {
            a.words
                .iter()
                .filter(|w| has_word(text, w))
                .map(|w| format!("“{w}” (use: {})", a.instead))
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(key) = raw_key(text) {
        found.push(format!("the raw key “{key}”"));
    }
    found
}

#[test]
fn the_checker_finds_what_the_glossary_avoids() {
    let avoid = avoid_list();
    assert!(!problems("refund diselesaikan secara offline", &avoid, true).is_empty());
    assert!(!problems("status pembayaran needs_review", &avoid, true).is_empty());
    assert!(!problems("Jumlah pengembalian dana", &avoid, true).is_empty());
    assert!(problems("Pengembalian dana selesai manual pada 5 Des 2026", &avoid, true).is_empty());
    // Whole words only: "diperbarui" is no "periksa", "refunded" no "refund".
    assert!(problems("Saldo perlu diperbarui", &avoid, true).is_empty());
    assert!(!has_word("refunded", "refund"));
}

/// Every sentence the Rust code makes for the operator, as `(where, Indonesian, English)`.
fn rust_sentences() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut both = |what: String, f: &dyn Fn(Lang) -> String| {
        out.push((what, f(Lang::Id), f(Lang::En)));
    };
    let idr = |n: i64| Idr::new(n).unwrap();
    let deadline = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
    for product in Product::ALL {
        let policy = RefundPolicy::default_for(product);
        for with_deadline in [None, Some(deadline)] {
            both(format!("the refund rule of {product:?}"), &|lang| {
                policy.describe(product, with_deadline, lang)
            });
        }
        let full_only = RefundPolicy {
            partial_allowed: false,
            daily_limit: Some(idr(5_000_000)),
            window_days: Some(3650),
            ..policy
        };
        both(format!("a full-only rule of {product:?}"), &|lang| {
            full_only.describe(product, None, lang)
        });
    }
    let mut refusals = vec![
        RefundRefusal::ZeroAmount { refundable: idr(70_000) },
        RefundRefusal::WindowClosed { deadline, window_days: 60 },
        RefundRefusal::SuccessTimeUnknown { window_days: 60 },
        RefundRefusal::ExceedsRefundable {
            requested: idr(70_000),
            refundable: idr(60_000),
            paid: idr(100_000),
            already: idr(40_000),
        },
        RefundRefusal::PartialNotAllowed {
            requested: idr(40_000),
            paid: idr(100_000),
            already: Idr::ZERO,
        },
        RefundRefusal::PartialNotAllowed {
            requested: idr(40_000),
            paid: idr(100_000),
            already: idr(30_000),
        },
        RefundRefusal::DailyLimitExceeded {
            requested: idr(60_000),
            limit: idr(200_000),
            used_today: idr(150_000),
        },
    ];
    refusals.extend(PaymentStatus::ALL.map(|status| RefundRefusal::PaymentNotSucceeded { status }));
    for refusal in refusals {
        both(format!("the refusal {}", refusal.reason()), &|lang| refusal.message(lang));
    }
    for status in PaymentStatus::ALL {
        both(format!("the payment status {}", status.key()), &|lang| status.label(lang).to_owned());
    }
    for status in RefundStatus::ALL {
        both(format!("the refund status {}", status.key()), &|lang| status.label(lang).to_owned());
    }
    for outcome in SettlementOutcome::ALL {
        both(format!("the settlement outcome {}", outcome.key()), &|lang| {
            outcome.label(lang).to_owned()
        });
    }
    for kind in SettlementKind::ALL {
        both(format!("the settlement line kind {}", kind.key()), &|lang| {
            kind.label(lang).to_owned()
        });
    }
    let holder =
        LockHolder { pid: 4321, since: Timestamp::parse_rfc3339("2026-12-03T14:42:00Z").unwrap() };
    for held in [Some(&holder), None] {
        both("the ledger-in-use message".into(), &|lang| ledger_in_use_message(held, lang));
    }
    out
}

#[test]
fn every_rust_sentence_exists_in_both_languages_and_follows_the_glossary() {
    let avoid = avoid_list();
    let sentences = rust_sentences();
    assert!(sentences.len() > 40, "{}", sentences.len());
    let mut wrong = Vec::new();
    for (what, id, en) in &sentences {
        if id.trim().is_empty() || en.trim().is_empty() || (id == en && id.contains(' ')) {
            wrong.push(format!("{what}: not in both languages: {id:?} / {en:?}"));
        }
        for text in [id, en] {
            if !text.starts_with(|c: char| !c.is_lowercase()) {
                wrong.push(format!("{what}: starts in lower case: {text:?}"));
            }
        }
        for problem in problems(id, &avoid, true) {
            wrong.push(format!("{what}: {problem} in {id:?}"));
        }
        if let Some(key) = raw_key(en) {
            wrong.push(format!("{what}: the raw key “{key}” in {en:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Rust string literals: `"…"` with escapes, and raw `r#"…"#`.
fn literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('"', '\'') or a lifetime: skip what cannot hold a string.
                let end = source[i + 1..].find('\'').map_or(i + 1, |e| i + 1 + e);
                i = if end - i <= 3 { end + 1 } else { i + 1 };
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && !bytes.get(i.wrapping_sub(1)).is_some_and(|b| b.is_ascii_alphanumeric()) =>
            {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                let open = i + 1 + hashes;
                if bytes.get(open) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = source[open + 1..].find(&close).map_or(bytes.len(), |e| open + 1 + e);
                out.push(source[open + 1..end.min(bytes.len())].to_owned());
                i = end + close.len();
            }
            b'"' => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    j += if bytes[j] == b'\\' { 2 } else { 1 };
                }
                out.push(source[i + 1..j.min(bytes.len())].to_owned());
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A literal that reads as Indonesian: it holds one of the language's commonest words.
fn reads_as_indonesian(text: &str) -> bool {
    [
        "yang",
        "dan",
        "tidak",
        "sudah",
        "untuk",
        "dengan",
        "dari",
        "pengembalian",
        "pembayaran",
        "penyedia",
        "hari",
        "ini",
        "ada",
    ]
    .iter()
    .any(|w| has_word(text, w))
}

/// The Rust sources the app is made of, without their test modules (`#[cfg(test)] mod …`, last),
/// and without the simulator, whose pages speak as the providers' own do.
fn rust_sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path().join("src"))
        .filter(|p| p.is_dir() && !p.starts_with(root().join("crates/ovo-sandbox")))
        .collect();
    dirs.push(root().join("src-tauri/src"));
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or_default().to_owned();
                files.push((path, code));
            }
        }
    }
    assert!(files.len() > 100, "{}", files.len());
    files
}

/// Words the code reads rather than writes: a provider's or the merchant's own file may use them.
const READ_NOT_WRITTEN: &[(&str, &str)] = &[
    ("crates/ovo-app/src/settlement/lines.rs", "jumlah"),
    ("crates/ovo-app/src/customer_import/mod.rs", "surel"),
];

#[test]
fn no_rust_source_writes_a_word_the_glossary_avoids() {
    let avoid = avoid_list();
    let mut wrong = Vec::new();
    for (path, code) in rust_sources() {
        for literal in literals(&code) {
            let indonesian = reads_as_indonesian(&literal);
            let found: Vec<String> = problems(&literal, &avoid, indonesian)
                .into_iter()
                .filter(|p| !p.starts_with("the raw key"))
                .collect();
            let shown = path.strip_prefix(root()).unwrap_or(&path).display().to_string();
            let read = READ_NOT_WRITTEN.contains(&(shown.as_str(), literal.as_str()));
            if !found.is_empty() && !read {
                wrong.push(format!("{shown}: {} in {literal:?}", found.join(", ")));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! Folding names for case- and accent-insensitive prefix search.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower case, accents removed, inner whitespace collapsed: `"  Élisa  PUTRI"` → `"elisa putri"`.
pub fn fold_name(name: &str) -> String {
    let stripped: String =
        name.nfkd().filter(|c| !is_combining_mark(*c)).collect::<String>().to_lowercase();
    stripped.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fold_name;

    #[test]
    fn folds_case_accents_and_spaces() {
        for (input, expected) in [
            ("Siti Nurhaliza", "siti nurhaliza"),
            ("  Élisa   PUTRI ", "elisa putri"),
            ("Agustín Ñoño", "agustin nono"),
            ("", ""),
        ] {
            assert_eq!(fold_name(input), expected, "{input:?}");
        }
    }
}

//! One client per provider product, each implementing `Provider`.

//! `report.json`: the report model serialised, with a trailing newline.
//!
//! Layout: the top-level object and its arrays and objects are indented, one member per
//! line; anything nested deeper (a finding, a secret, a check) is written compactly on its
//! own line. A report can hold millions of findings: one line each keeps the file a third
//! smaller than full pretty-printing, still readable, and friendly to `grep` and line tools.
//! Any JSON parser reads it the same either way.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::report::Report;

pub fn render(report: &Report) -> String {
    super::stream_to_string(|out| write(report, out))
}

/// Writes exactly what [`render`] returns to `path`, streaming instead of building a string.
pub fn write_to(report: &Report, path: &std::path::Path) -> io::Result<()> {
    super::stream_to_file(path, |out| write(report, out))
}

fn write<W: Write>(report: &Report, out: &mut W) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(&mut *out, Shallow::default());
    report.serialize(&mut ser).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

/// Indents containers up to [`Shallow::PRETTY_DEPTH`] deep, one member per line; deeper
/// containers are compact.
#[derive(Default)]
struct Shallow {
    /// Containers currently open.
    depth: usize,
    /// Whether the innermost open container has a member yet.
    has_value: bool,
}

impl Shallow {
    /// The top-level object (1) and its direct members' containers (2).
    const PRETTY_DEPTH: usize = 2;

    fn pretty(&self) -> bool {
        self.depth <= Self::PRETTY_DEPTH
    }

    fn indent<W: ?Sized + Write>(w: &mut W, n: usize) -> io::Result<()> {
        for _ in 0..n {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(c)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, c: &[u8]) -> io::Result<()> {
        let pretty = self.pretty();
        self.depth -= 1;
        if pretty && self.has_value {
            w.write_all(b"\n")?;
            Self::indent(w, self.depth)?;
        }
        // The enclosing container has a member now (this one).
        self.has_value = true;
        w.write_all(c)
    }

    fn member<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.pretty() {
            w.write_all(b"\n")?;
            Self::indent(w, self.depth)?;
        }
        Ok(())
    }
}

impl Formatter for Shallow {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.member(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.pretty() {
            w.write_all(b": ")
        } else {
            CompactFormatter.begin_object_value(w)
        }
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shallow(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Shallow::default());
        v.serialize(&mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn two_levels_indented_deeper_compact() {
        let v = serde_json::json!({
            "a": 1,
            "empty": [],
            "none": {},
            "findings": [{"id": "x", "resource": {"arn": "a:b", "tags": ["t"]}}, {"id": "y"}],
            "summary": {"by_status": {"fail": 2}, "n": 3},
        });
        let text = shallow(&v);
        assert_eq!(
            text,
            "{\n  \"a\": 1,\n  \"empty\": [],\n  \"findings\": [\n    {\"id\":\"x\",\"resource\":{\"arn\":\"a:b\",\"tags\":[\"t\"]}},\n    {\"id\":\"y\"}\n  ],\n  \"none\": {},\n  \"summary\": {\n    \"by_status\": {\"fail\":2},\n    \"n\": 3\n  }\n}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }

    #[test]
    fn scalars_and_empty_top_level() {
        for v in [
            serde_json::json!(1),
            serde_json::json!("s"),
            serde_json::json!({}),
            serde_json::json!([]),
        ] {
            let text = shallow(&v);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
                v,
                "{text}"
            );
        }
    }
}

//! Lines read with a cap on what is kept of each, so no file, however long its lines
//! (`/dev/zero`), makes the tool hold more than [`MAX_LINE`] of one.

use std::io::{self, BufRead, Read};

/// The most of one line that is kept: 1 MiB. The rest of a longer line is read and dropped.
pub const MAX_LINE: usize = 1 << 20;

/// What [`read_line`] read.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// The bytes the line takes in the file, its newline included; 0 at the end.
    pub len: u64,
    /// Whether the line is longer than [`MAX_LINE`]: the buffer holds only its first bytes.
    pub cut: bool,
    /// Whether the line ends with a newline (only a file's last line may not).
    pub ended: bool,
}

/// Reads one line into `buf` (cleared first), its newline included, keeping at most
/// [`MAX_LINE`] bytes of it; the rest of a longer line is read up to its newline and dropped.
pub fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let limit = MAX_LINE as u64 + 1;
    let n = reader.by_ref().take(limit).read_until(b'\n', buf)? as u64;
    let ended = buf.last() == Some(&b'\n');
    if ended || n < limit {
        return Ok(Line {
            len: n,
            cut: false,
            ended,
        });
    }
    buf.truncate(MAX_LINE);
    let (mut len, mut ended) = (n, false);
    while !ended {
        let chunk = match reader.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let used = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                ended = true;
                i + 1
            }
            None => chunk.len(),
        };
        reader.consume(used);
        len += used as u64;
    }
    Ok(Line {
        len,
        cut: true,
        ended,
    })
}

/// How many lines of `reader` may be inputs (not blank, not a `#` comment), read through
/// one fixed buffer: nothing is kept of any line.
pub fn count_inputs(mut reader: impl Read) -> io::Result<usize> {
    let mut buf = vec![0u8; 1 << 16];
    // Whether the current line has shown its first byte that is not blank.
    let (mut n, mut decided) = (0, false);
    loop {
        let got = match reader.read(&mut buf) {
            Ok(0) => return Ok(n),
            Ok(got) => got,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        for &b in &buf[..got] {
            if b == b'\n' {
                decided = false;
            } else if !decided && !b.is_ascii_whitespace() {
                decided = true;
                n += usize::from(b != b'#');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_cut_and_the_next_one_read_whole() {
        let mut text = vec![b'x'; MAX_LINE + 10];
        text.extend_from_slice(b"\nnext\nlast");
        let mut reader = io::BufReader::with_capacity(4096, &text[..]);
        let mut buf = Vec::new();
        let long = read_line(&mut reader, &mut buf).unwrap();
        assert!(long.cut && long.ended && buf.len() == MAX_LINE);
        assert_eq!(long.len, MAX_LINE as u64 + 11);
        let next = read_line(&mut reader, &mut buf).unwrap();
        assert!(!next.cut && next.ended && buf == b"next\n");
        let last = read_line(&mut reader, &mut buf).unwrap();
        assert!(!last.cut && !last.ended && buf == b"last");
        assert_eq!(read_line(&mut reader, &mut buf).unwrap().len, 0);

        let exact = [vec![b'y'; MAX_LINE], b"\n".to_vec()].concat();
        let line = read_line(&mut &exact[..], &mut buf).unwrap();
        assert!(!line.cut && line.ended && buf.len() == MAX_LINE + 1);
    }

    #[test]
    fn the_count_skips_blank_and_comment_lines() {
        let text = b"a\n\n  \n # c\n\tb\r\n#\nc";
        assert_eq!(count_inputs(&text[..]).unwrap(), 3);
    }
}

//! Opening an input: a file or stdin, and whether it is gzip (by its first two bytes).

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use super::{Blocks, Options, Summary};

/// The two bytes every gzip member starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An opened log input, not yet read.
pub struct Input {
    name: String,
    size: Option<u64>,
    gzip: bool,
    /// Bytes already read to look for the gzip magic; they are read again first.
    head: Vec<u8>,
    source: Box<dyn Read + Send>,
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("size", &self.size)
            .field("gzip", &self.gzip)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens a file, or stdin for `-`. Errors name the path.
    pub fn open(path: &Path) -> io::Result<Input> {
        if path.as_os_str() == "-" {
            return Input::stdin();
        }
        let named = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
        let file = File::open(path).map_err(named)?;
        let meta = file.metadata().map_err(named)?;
        if meta.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: is a directory", path.display()),
            ));
        }
        let size = meta.is_file().then_some(meta.len());
        Input::from_reader(path.display().to_string(), size, Box::new(file)).map_err(named)
    }

    /// Standard input (which may be gzip too).
    pub fn stdin() -> io::Result<Input> {
        Input::from_reader("stdin".to_owned(), None, Box::new(io::stdin()))
            .map_err(|e| io::Error::new(e.kind(), format!("stdin: {e}")))
    }

    /// Any reader, named for messages (tests, and callers holding bytes already).
    pub fn from_reader(
        name: String,
        size: Option<u64>,
        mut source: Box<dyn Read + Send>,
    ) -> io::Result<Input> {
        let mut head = Vec::with_capacity(GZIP_MAGIC.len());
        while head.len() < GZIP_MAGIC.len() {
            let mut byte = [0u8; 2];
            let want = GZIP_MAGIC.len() - head.len();
            match source.read(&mut byte[..want]) {
                Ok(0) => break,
                Ok(n) => head.extend_from_slice(&byte[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(Input {
            name,
            size,
            gzip: head == GZIP_MAGIC,
            head,
            source,
        })
    }

    /// The path as given, or `stdin`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Size on disk in bytes (compressed size for gzip); `None` for stdin and pipes.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// Whether the input is gzip (it starts with the gzip magic bytes).
    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Starts reading in a thread of its own; blocks arrive in order.
    pub fn blocks(self, options: Options) -> Blocks {
        let gzip = self.gzip;
        let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(self.head).chain(self.source));
        Blocks::start(reader, gzip, options)
    }

    /// Reads the whole input on the calling thread's behalf, calling `each` with every line
    /// number and line (without its `\n` or `\r\n`), in order. The simple way for code that
    /// does not spread blocks over workers.
    pub fn for_each_line(self, options: Options, mut each: impl FnMut(u64, &[u8])) -> Summary {
        let mut blocks = self.blocks(options);
        while let Some(block) = blocks.next() {
            for (number, line) in block.lines() {
                each(number, line);
            }
            blocks.recycle(block);
        }
        blocks.summary().clone()
    }
}

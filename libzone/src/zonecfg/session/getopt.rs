//! getopt(3C) over a command's words, the way zonecfg's handlers read their flags
//! (`create -b`, `remove -F`, `export -f file`, `create -t tmpl`).

/// A parsed flag and its argument, if it takes one.
pub(super) type Opt = (char, Option<String>);

/// Why the words are not acceptable flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OptError {
    /// `-?`: the user asked for the command's help.
    Help,
    /// An unknown flag or a missing flag argument: the short usage.
    Bad,
}

/// Parses `args` against `spec` (letters, a `:` after those taking an argument). Scanning
/// stops at the first word that is not a flag, or after `--`; returns the flags and the
/// index of the first remaining word.
pub(super) fn getopt(args: &[String], spec: &str) -> Result<(Vec<Opt>, usize), OptError> {
    let takes_arg = |c: char| -> Option<bool> {
        let i = spec.find(c)?;
        Some(spec[i + c.len_utf8()..].starts_with(':'))
    };
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let word = &args[i];
        if word == "--" {
            i += 1;
            break;
        }
        let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else {
            break;
        };
        i += 1;
        for (pos, c) in flags.char_indices() {
            if c == '?' {
                return Err(OptError::Help);
            }
            match takes_arg(c) {
                None => return Err(OptError::Bad),
                Some(false) => opts.push((c, None)),
                Some(true) => {
                    let rest = &flags[pos + c.len_utf8()..];
                    let arg = if !rest.is_empty() {
                        rest.to_string()
                    } else if i < args.len() {
                        i += 1;
                        args[i - 1].clone()
                    } else {
                        return Err(OptError::Bad);
                    };
                    opts.push((c, Some(arg)));
                    break;
                }
            }
        }
    }
    Ok((opts, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags() {
        assert_eq!(getopt(&words(""), "a:bFt:"), Ok((vec![], 0)));
        assert_eq!(
            getopt(&words("-F -b"), "a:bFt:"),
            Ok((vec![('F', None), ('b', None)], 2))
        );
        assert_eq!(
            getopt(&words("-bF"), "a:bFt:"),
            Ok((vec![('b', None), ('F', None)], 1))
        );
        assert_eq!(
            getopt(&words("-t tmpl"), "a:bFt:"),
            Ok((vec![('t', Some("tmpl".into()))], 2))
        );
        assert_eq!(
            getopt(&words("-ttmpl extra"), "a:bFt:"),
            Ok((vec![('t', Some("tmpl".into()))], 1))
        );
        assert_eq!(getopt(&words("-t"), "a:bFt:"), Err(OptError::Bad));
        assert_eq!(getopt(&words("-x"), "a:bFt:"), Err(OptError::Bad));
        assert_eq!(getopt(&words("-?"), "F"), Err(OptError::Help));
        assert_eq!(getopt(&words("bogus"), "F"), Ok((vec![], 0)));
        assert_eq!(getopt(&words("-- -F"), "F"), Ok((vec![], 1)));
    }
}

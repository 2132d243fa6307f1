//! The poolcfg grammar (`poolcfg.y`). The parser hands out one command at a time so the
//! caller can run each as soon as it is complete, as poolcfg does: a script's `info` output
//! appears before a later syntax error. A command is complete when the next token cannot
//! extend it; yacc needs that look-ahead token also after the first command of a script,
//! so a lexical error there stops the script before the command runs.

use super::lexer::{LexError, Lexer, Tok, Token};
use super::value::{PropType, PropValue};

/// The kind of element a command names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    System,
    Pool,
    Pset,
    Cpu,
}

/// One entry of a property list.
#[derive(Debug, Clone, PartialEq)]
pub enum PropOp {
    /// `type name = value`
    Put { name: String, value: PropValue },
    /// `~ type name`
    Remove { name: String, ty: PropType },
}

impl PropOp {
    pub fn name(&self) -> &str {
        match self {
            PropOp::Put { name, .. } | PropOp::Remove { name, .. } => name,
        }
    }
}

/// A poolcfg command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `info [entity name]`
    Info(Option<(Entity, String)>),
    Create {
        entity: Entity,
        name: String,
        props: Vec<PropOp>,
    },
    Destroy {
        entity: Entity,
        name: String,
    },
    Modify {
        entity: Entity,
        name: String,
        props: Vec<PropOp>,
    },
    /// `associate pool name (pset a; pset b)`
    Associate {
        pool: String,
        psets: Vec<String>,
    },
    /// `transfer to pset name (cpu 0; cpu 1)`
    TransferCpus {
        pset: String,
        cpus: Vec<String>,
    },
    /// `transfer qty from pset src to tgt` / `transfer qty to pset tgt from src`
    TransferQty {
        qty: u64,
        from: String,
        to: String,
    },
    Discover,
    Rename {
        entity: Entity,
        from: String,
        to: String,
    },
}

/// Why a script could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(transparent)]
    Lex(#[from] LexError),
    /// `near` is the offending token's text, `None` at the end of the input.
    #[error("{}", match near {
        Some(t) => format!("syntax error at '{t}'"),
        None => "syntax error, token expected".to_string(),
    })]
    Syntax { line: usize, near: Option<String> },
}

impl ParseError {
    pub fn line(&self) -> usize {
        match self {
            ParseError::Lex(e) => e.line(),
            ParseError::Syntax { line, .. } => *line,
        }
    }
}

pub struct Parser<'a> {
    lexer: Lexer<'a>,
    look: Option<Token>,
    first: bool,
}

impl<'a> Parser<'a> {
    pub fn new(src: &'a [u8]) -> Parser<'a> {
        Parser {
            lexer: Lexer::new(src),
            look: None,
            first: true,
        }
    }

    fn take(&mut self) -> Result<Token, ParseError> {
        match self.look.take() {
            Some(t) => Ok(t),
            None => Ok(self.lexer.next_token()?),
        }
    }

    fn peek(&mut self) -> Result<&Tok, ParseError> {
        if self.look.is_none() {
            self.look = Some(self.lexer.next_token()?);
        }
        Ok(self.look.as_ref().map(|t| &t.kind).unwrap_or(&Tok::Eof))
    }

    fn syntax(&self, t: &Token) -> ParseError {
        ParseError::Syntax {
            line: self.lexer.line(),
            near: (t.kind != Tok::Eof).then(|| t.text.clone()),
        }
    }

    fn name(&mut self) -> Result<String, ParseError> {
        let t = self.take()?;
        match t.kind {
            Tok::Symbol(s) => Ok(s),
            _ => Err(self.syntax(&t)),
        }
    }

    fn expect(&mut self, want: Tok) -> Result<(), ParseError> {
        let t = self.take()?;
        if t.kind == want {
            Ok(())
        } else {
            Err(self.syntax(&t))
        }
    }

    fn entity(&mut self, allow_cpu: bool) -> Result<Entity, ParseError> {
        let t = self.take()?;
        match t.kind {
            Tok::System => Ok(Entity::System),
            Tok::Pool => Ok(Entity::Pool),
            Tok::Pset => Ok(Entity::Pset),
            Tok::Cpu if allow_cpu => Ok(Entity::Cpu),
            _ => Err(self.syntax(&t)),
        }
    }

    /// The next command, or `None` at the end of the input (which needs at least one).
    pub fn next_command(&mut self) -> Result<Option<Command>, ParseError> {
        let t = self.take()?;
        let (cmd, looked_ahead) = match t.kind {
            Tok::Eof if !self.first => return Ok(None),
            Tok::Info => {
                if matches!(self.peek()?, Tok::System | Tok::Pool | Tok::Pset | Tok::Cpu) {
                    let entity = self.entity(true)?;
                    let name = self.name()?;
                    (Command::Info(Some((entity, name))), false)
                } else {
                    (Command::Info(None), true)
                }
            }
            Tok::Create => {
                let entity = self.entity(false)?;
                let name = self.name()?;
                let props = self.property_lists()?;
                (
                    Command::Create {
                        entity,
                        name,
                        props,
                    },
                    true,
                )
            }
            Tok::Destroy => {
                let entity = self.entity(false)?;
                let name = self.name()?;
                (Command::Destroy { entity, name }, false)
            }
            Tok::Modify => {
                let entity = self.entity(true)?;
                let name = self.name()?;
                let props = self.property_lists()?;
                (
                    Command::Modify {
                        entity,
                        name,
                        props,
                    },
                    true,
                )
            }
            Tok::Associate => {
                self.expect(Tok::Pool)?;
                let pool = self.name()?;
                let mut psets = Vec::new();
                while *self.peek()? == Tok::Open {
                    self.take()?;
                    loop {
                        self.expect(Tok::Pset)?;
                        psets.push(self.name()?);
                        if !self.separator()? {
                            break;
                        }
                    }
                }
                (Command::Associate { pool, psets }, true)
            }
            Tok::Transfer => self.transfer()?,
            Tok::Discover => (Command::Discover, false),
            Tok::Rename => {
                let entity = self.entity(false)?;
                let from = self.name()?;
                self.expect(Tok::To)?;
                let to = self.name()?;
                (Command::Rename { entity, from, to }, false)
            }
            _ => return Err(self.syntax(&t)),
        };
        if !looked_ahead && self.first {
            self.peek()?;
        }
        self.first = false;
        Ok(Some(cmd))
    }

    /// After a list entry: `;` continues the list, `)` ends it.
    fn separator(&mut self) -> Result<bool, ParseError> {
        let t = self.take()?;
        match t.kind {
            Tok::Sep => Ok(true),
            Tok::Close => Ok(false),
            _ => Err(self.syntax(&t)),
        }
    }

    fn transfer(&mut self) -> Result<(Command, bool), ParseError> {
        let t = self.take()?;
        match t.kind {
            Tok::To => {
                self.expect(Tok::Pset)?;
                let pset = self.name()?;
                let mut cpus = Vec::new();
                while *self.peek()? == Tok::Open {
                    self.take()?;
                    loop {
                        self.expect(Tok::Cpu)?;
                        cpus.push(self.name()?);
                        if !self.separator()? {
                            break;
                        }
                    }
                }
                Ok((Command::TransferCpus { pset, cpus }, true))
            }
            Tok::Uint(qty) => {
                let t = self.take()?;
                let cmd = match t.kind {
                    Tok::From => {
                        self.expect(Tok::Pset)?;
                        let from = self.name()?;
                        self.expect(Tok::To)?;
                        let to = self.name()?;
                        Command::TransferQty { qty, from, to }
                    }
                    Tok::To => {
                        self.expect(Tok::Pset)?;
                        let to = self.name()?;
                        self.expect(Tok::From)?;
                        let from = self.name()?;
                        Command::TransferQty { qty, from, to }
                    }
                    _ => return Err(self.syntax(&t)),
                };
                Ok((cmd, false))
            }
            _ => Err(self.syntax(&t)),
        }
    }

    /// Zero or more `( prop [; prop]* )`; later lists add to earlier ones.
    fn property_lists(&mut self) -> Result<Vec<PropOp>, ParseError> {
        let mut ops = Vec::new();
        while *self.peek()? == Tok::Open {
            self.take()?;
            loop {
                ops.push(self.prop_op()?);
                if !self.separator()? {
                    break;
                }
            }
        }
        Ok(ops)
    }

    fn proptype(&mut self) -> Result<PropType, ParseError> {
        let t = self.take()?;
        Ok(match t.kind {
            Tok::TypeInt => PropType::Int,
            Tok::TypeUint => PropType::Uint,
            Tok::TypeBoolean => PropType::Bool,
            Tok::TypeString => PropType::Str,
            Tok::TypeFloat => PropType::Float,
            _ => return Err(self.syntax(&t)),
        })
    }

    fn prop_op(&mut self) -> Result<PropOp, ParseError> {
        if *self.peek()? == Tok::Undef {
            self.take()?;
            let ty = self.proptype()?;
            let name = self.name()?;
            return Ok(PropOp::Remove { name, ty });
        }
        let ty = self.proptype()?;
        let name = self.name()?;
        self.expect(Tok::Assign)?;
        let t = self.take()?;
        let value = match (ty, t.kind.clone()) {
            (PropType::Int, Tok::Int(i)) => PropValue::Int(i),
            (PropType::Uint, Tok::Uint(u)) => PropValue::Uint(u),
            (PropType::Bool, Tok::Bool(b)) => PropValue::Bool(b),
            (PropType::Str, Tok::Str(s)) => PropValue::Str(s),
            (PropType::Float, Tok::Float(f)) => PropValue::Float(f),
            _ => return Err(self.syntax(&t)),
        };
        Ok(PropOp::Put { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(src: &str) -> Result<Vec<Command>, ParseError> {
        let mut p = Parser::new(src.as_bytes());
        let mut out = Vec::new();
        while let Some(c) = p.next_command()? {
            out.push(c);
        }
        Ok(out)
    }

    fn one(src: &str) -> Command {
        let mut v = parse_all(src).unwrap();
        assert_eq!(v.len(), 1, "{src}");
        v.remove(0)
    }

    fn syntax(src: &str) -> (usize, Option<String>) {
        match parse_all(src).unwrap_err() {
            ParseError::Syntax { line, near } => (line, near),
            e => panic!("{src}: {e:?}"),
        }
    }

    #[test]
    fn every_form() {
        assert_eq!(one("info"), Command::Info(None));
        assert_eq!(
            one("info pool pool_0"),
            Command::Info(Some((Entity::Pool, "pool_0".into())))
        );
        assert_eq!(
            one("info cpu 3"),
            Command::Info(Some((Entity::Cpu, "3".into())))
        );
        assert_eq!(
            one("create pset small-1 ( uint pset.min = 1 ; uint pset.max = 4)"),
            Command::Create {
                entity: Entity::Pset,
                name: "small-1".into(),
                props: vec![
                    PropOp::Put {
                        name: "pset.min".into(),
                        value: PropValue::Uint(1)
                    },
                    PropOp::Put {
                        name: "pset.max".into(),
                        value: PropValue::Uint(4)
                    },
                ]
            }
        );
        assert_eq!(
            one("create pool a (int x = 1) (~ string y)"),
            Command::Create {
                entity: Entity::Pool,
                name: "a".into(),
                props: vec![
                    PropOp::Put {
                        name: "x".into(),
                        value: PropValue::Int(1)
                    },
                    PropOp::Remove {
                        name: "y".into(),
                        ty: PropType::Str
                    },
                ]
            }
        );
        assert_eq!(
            one("destroy system s"),
            Command::Destroy {
                entity: Entity::System,
                name: "s".into()
            }
        );
        assert_eq!(
            one("modify cpu 0 (boolean cpu.pinned = true; float x.f = .5)"),
            Command::Modify {
                entity: Entity::Cpu,
                name: "0".into(),
                props: vec![
                    PropOp::Put {
                        name: "cpu.pinned".into(),
                        value: PropValue::Bool(true)
                    },
                    PropOp::Put {
                        name: "x.f".into(),
                        value: PropValue::Float(0.5)
                    },
                ]
            }
        );
        assert_eq!(
            one("associate pool Accounting ( pset small-1 ; pset b )"),
            Command::Associate {
                pool: "Accounting".into(),
                psets: vec!["small-1".into(), "b".into()]
            }
        );
        assert_eq!(
            one("transfer to pset pset1 ( cpu 2 )"),
            Command::TransferCpus {
                pset: "pset1".into(),
                cpus: vec!["2".into()]
            }
        );
        assert_eq!(
            one("transfer 2 from pset pset1 to pset2"),
            Command::TransferQty {
                qty: 2,
                from: "pset1".into(),
                to: "pset2".into()
            }
        );
        assert_eq!(
            one("transfer 3 to pset b from a"),
            Command::TransferQty {
                qty: 3,
                from: "a".into(),
                to: "b".into()
            }
        );
        assert_eq!(one("discover"), Command::Discover);
        assert_eq!(
            one("rename pset a to b"),
            Command::Rename {
                entity: Entity::Pset,
                from: "a".into(),
                to: "b".into()
            }
        );
        assert_eq!(
            one("modify pool pool_default (string pool.scheduler=\"FSS\")"),
            Command::Modify {
                entity: Entity::Pool,
                name: "pool_default".into(),
                props: vec![PropOp::Put {
                    name: "pool.scheduler".into(),
                    value: PropValue::Str("FSS".into())
                }]
            }
        );
    }

    #[test]
    fn several_commands_need_no_terminator() {
        let cmds = parse_all("create system t create pool p\ninfo\n# done\n").unwrap();
        assert_eq!(cmds.len(), 3);
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(syntax(""), (1, None));
        assert_eq!(syntax("# only a comment\n"), (2, None));
        assert_eq!(syntax("create pool"), (1, None));
        assert_eq!(syntax("create cpu 1"), (1, Some("cpu".into())));
        assert_eq!(syntax("info\n\nfoo"), (3, Some("foo".into())));
        assert_eq!(syntax("create pool a ()"), (1, Some(")".into())));
        assert_eq!(syntax("create pool a (int x = 1"), (1, None));
        assert_eq!(
            syntax("create pool a (int x = 1 int"),
            (1, Some("int".into()))
        );
        assert_eq!(
            syntax("create pool a (int x = abc)"),
            (1, Some("abc".into()))
        );
        assert_eq!(syntax("create pool a (x = 1)"), (1, Some("x".into())));
        assert_eq!(syntax("transfer 2 pset a"), (1, Some("pset".into())));
        assert_eq!(syntax("rename pool a b"), (1, Some("b".into())));
        assert_eq!(syntax("associate pset a"), (1, Some("pset".into())));
        assert_eq!(syntax("create pool info"), (1, Some("info".into())));
        assert_eq!(
            syntax("transfer to pset a (pset b)"),
            (1, Some("pset".into()))
        );
        assert!(parse_all("create pool a (string s = \"x\")").is_ok());
    }

    #[test]
    fn commands_come_out_one_at_a_time() {
        let mut p = Parser::new(b"info\ninfo pool x\n)");
        assert_eq!(p.next_command().unwrap(), Some(Command::Info(None)));
        assert!(p.next_command().unwrap().is_some());
        assert_eq!(
            p.next_command(),
            Err(ParseError::Syntax {
                line: 3,
                near: Some(")".into())
            })
        );
    }

    #[test]
    fn first_command_needs_look_ahead() {
        // yacc reads the token after the first command before running it
        let mut p = Parser::new(b"destroy pool a $");
        assert!(matches!(p.next_command(), Err(ParseError::Lex(_))));
        // later commands run before the bad token is read
        let mut p = Parser::new(b"info pool b destroy pool a $");
        assert!(p.next_command().unwrap().is_some());
        assert!(p.next_command().unwrap().is_some());
        assert!(matches!(p.next_command(), Err(ParseError::Lex(_))));
    }
}

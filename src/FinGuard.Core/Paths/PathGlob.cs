using System.Buffers;
using System.Collections.Immutable;

namespace FinGuard.Core.Paths;

/// <summary>
/// A compiled wildcard pattern over repository file paths (<c>src/app/main.cs</c>: no leading slash, <c>/</c> between
/// segments, case-sensitive as git is). Two dialects share one matcher:
/// <list type="bullet">
/// <item><see cref="Policy"/> (the <c>paths</c> of approval rules): FinGuard's branch-pattern rules — <c>*</c> is any
/// characters within one segment, <c>**</c> any characters across segments, every other character literal — with one
/// addition: <c>**/</c> at the start or after a <c>/</c> also matches no directory at all, so <c>**/*.bicep</c> matches
/// <c>main.bicep</c> and <c>infra/**/x.yml</c> matches <c>infra/x.yml</c>.</item>
/// <item><see cref="CodeOwners"/> (a line of a CODEOWNERS file), gitignore-style as GitHub reads it: the dialect above
/// plus <c>?</c> (one character within a segment); a pattern with no <c>/</c> except a trailing one matches at any
/// depth; a leading <c>/</c> anchors it at the root; a pattern matching a directory matches every file below it (a
/// trailing <c>/</c> matches directories only), except that a final <c>*</c> segment matches files of that directory
/// only (<c>docs/*</c> is not <c>docs/a/b.md</c>).</item>
/// </list>
/// Matching is dynamic programming over (token, position): linear in tokens × path length, no backtracking, no
/// allocation for paths up to 512 characters.
/// </summary>
public sealed class PathGlob
{
    private const int StackLimit = 512;

    private readonly ImmutableArray<Token> tokens;

    private PathGlob(string pattern, ImmutableArray<Token> tokens)
    {
        Pattern = pattern;
        this.tokens = tokens;
        var literals = tokens.Where(t => t.Kind == TokenKind.Literal).Select(t => t.Text).ToList();
        RequiredLiteral = literals.Count == 0 ? "" : literals.MaxBy(l => l.Length)!;
        Prefix = tokens.Length > 0 && tokens[0].Kind == TokenKind.Literal ? tokens[0].Text : "";
        // A literal followed only by "everything below it" is itself the directory.
        var slash = Prefix.LastIndexOf('/');
        Directory = tokens.Length == 2 && tokens[1].Kind == TokenKind.Below ? Prefix : slash < 0 ? "" : Prefix[..slash];
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>
    /// The directory every matching path is in (or below): the literal start of the pattern up to its last <c>/</c>;
    /// empty when the pattern can match anywhere. Lets <see cref="PathGlobIndex{T}"/> skip patterns of other directories.
    /// </summary>
    public string Directory { get; }

    /// <summary>Text every match starts with.</summary>
    private string Prefix { get; }

    /// <summary>The longest literal every match contains (a cheap test before the full match).</summary>
    private string RequiredLiteral { get; }

    /// <summary>A pattern of an approval rule's <c>paths</c>.</summary>
    public static PathGlob Policy(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new PathGlob(pattern, [.. Tokenize(pattern, questionMark: false)]);
    }

    /// <summary>The pattern of a CODEOWNERS line (already unescaped; not a comment, not negated).</summary>
    public static PathGlob CodeOwners(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var body = pattern;
        var directoryOnly = body.Length > 1 && body.EndsWith('/');
        if (directoryOnly)
        {
            body = body[..^1];
        }

        var anchored = body.StartsWith('/') || body.Contains('/', StringComparison.Ordinal);
        body = body.TrimStart('/');
        var list = new List<Token>();
        if (!anchored)
        {
            list.Add(new Token(TokenKind.AnyDirectories, ""));
        }

        list.AddRange(Tokenize(body, questionMark: true));
        var lastSegment = body[(body.LastIndexOf('/') + 1)..];
        if (directoryOnly)
        {
            list.Add(new Token(TokenKind.Below, ""));
        }
        else if (lastSegment != "*" && !(list.Count > 0 && list[^1].Kind == TokenKind.AnyCharacters))
        {
            list.Add(new Token(TokenKind.SelfOrBelow, ""));
        }

        return new PathGlob(pattern, [.. list]);
    }

    /// <summary>Whether <paramref name="path"/> matches.</summary>
    public bool IsMatch(ReadOnlySpan<char> path)
    {
        if (!path.StartsWith(Prefix, StringComparison.Ordinal)
            || (RequiredLiteral.Length > 0 && path.IndexOf(RequiredLiteral, StringComparison.Ordinal) < 0))
        {
            return false;
        }

        var width = path.Length + 1;
        bool[]? rented = null;
        var buffer = width * 2 <= StackLimit ? stackalloc bool[width * 2] : (rented = ArrayPool<bool>.Shared.Rent(width * 2)).AsSpan(0, width * 2);
        try
        {
            return Match(path, buffer[..width], buffer.Slice(width, width));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<bool>.Shared.Return(rented);
            }
        }
    }

    public override string ToString() => Pattern;

    private bool Match(ReadOnlySpan<char> path, Span<bool> current, Span<bool> next)
    {
        // current[j]: the tokens so far match the first j characters of the path.
        current.Clear();
        current[0] = true;
        foreach (var token in tokens)
        {
            next.Clear();
            var any = false;
            switch (token.Kind)
            {
                case TokenKind.Literal:
                    var text = token.Text;
                    for (var j = 0; j + text.Length <= path.Length; j++)
                    {
                        if (current[j] && path.Slice(j, text.Length).SequenceEqual(text))
                        {
                            next[j + text.Length] = any = true;
                        }
                    }

                    break;
                case TokenKind.OneCharacter:
                    for (var j = 0; j < path.Length; j++)
                    {
                        if (current[j] && path[j] != '/')
                        {
                            next[j + 1] = any = true;
                        }
                    }

                    break;
                case TokenKind.SegmentCharacters:
                    for (var j = 0; j <= path.Length; j++)
                    {
                        next[j] = current[j] || (j > 0 && next[j - 1] && path[j - 1] != '/');
                        any |= next[j];
                    }

                    break;
                case TokenKind.AnyCharacters:
                    for (var j = 0; j <= path.Length; j++)
                    {
                        next[j] = current[j] || (j > 0 && next[j - 1]);
                        any |= next[j];
                    }

                    break;
                case TokenKind.AnyDirectories:
                    // Nothing, or anything that ends with '/'.
                    var reached = false;
                    for (var j = 0; j <= path.Length; j++)
                    {
                        next[j] = current[j] || (reached && j > 0 && path[j - 1] == '/');
                        reached |= current[j];
                        any |= next[j];
                    }

                    break;
                case TokenKind.SelfOrBelow or TokenKind.Below:
                    // The end, or (the match so far is a directory) a '/' and anything after it.
                    if (token.Kind == TokenKind.SelfOrBelow && current[path.Length])
                    {
                        return true;
                    }

                    for (var j = 1; j < path.Length; j++)
                    {
                        if (current[j] && path[j] == '/')
                        {
                            return true;
                        }
                    }

                    return false;
            }

            if (!any)
            {
                return false;
            }

            var swap = current;
            current = next;
            next = swap;
        }

        return current[path.Length];
    }

    private static IEnumerable<Token> Tokenize(string pattern, bool questionMark)
    {
        var literal = new System.Text.StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            if (c == '*')
            {
                var stars = 0;
                while (i < pattern.Length && pattern[i] == '*')
                {
                    stars++;
                    i++;
                }

                var atSegmentStart = literal.Length == 0 ? i - stars == 0 || pattern[i - stars - 1] == '/' : literal[^1] == '/';
                if (stars >= 2 && atSegmentStart && i < pattern.Length && pattern[i] == '/')
                {
                    // "**/": any number of directories, none included.
                    if (literal.Length > 0)
                    {
                        yield return new Token(TokenKind.Literal, literal.ToString());
                        literal.Clear();
                    }

                    yield return new Token(TokenKind.AnyDirectories, "");
                    i++;
                    continue;
                }

                if (literal.Length > 0)
                {
                    yield return new Token(TokenKind.Literal, literal.ToString());
                    literal.Clear();
                }

                yield return new Token(stars >= 2 ? TokenKind.AnyCharacters : TokenKind.SegmentCharacters, "");
                continue;
            }

            if (c == '?' && questionMark)
            {
                if (literal.Length > 0)
                {
                    yield return new Token(TokenKind.Literal, literal.ToString());
                    literal.Clear();
                }

                yield return new Token(TokenKind.OneCharacter, "");
                i++;
                continue;
            }

            literal.Append(c);
            i++;
        }

        if (literal.Length > 0)
        {
            yield return new Token(TokenKind.Literal, literal.ToString());
        }
    }

    private enum TokenKind
    {
        Literal,

        /// <summary><c>?</c>: one character other than <c>/</c>.</summary>
        OneCharacter,

        /// <summary><c>*</c>: any characters but <c>/</c>.</summary>
        SegmentCharacters,

        /// <summary><c>**</c>: any characters.</summary>
        AnyCharacters,

        /// <summary><c>**/</c>: nothing, or any characters ending with <c>/</c>.</summary>
        AnyDirectories,

        /// <summary>CODEOWNERS, last: the path ends here, or this is a directory of it.</summary>
        SelfOrBelow,

        /// <summary>CODEOWNERS, last, after a trailing <c>/</c>: this is a directory of the path.</summary>
        Below,
    }

    private readonly record struct Token(TokenKind Kind, string Text);
}

using System.Collections.Immutable;
using System.Text.RegularExpressions;
using FinGuard.Core.Paths;

namespace FinGuard.Core.CodeOwners;

/// <summary>One owner of a CODEOWNERS line: a user (<c>@login</c>), a team (<c>@org/team-slug</c>) or an email address.</summary>
public sealed record CodeOwner(CodeOwnerKind Kind, string Name)
{
    /// <summary>As written in the file: <c>@login</c>, <c>@org/team</c>, <c>someone@example.com</c>.</summary>
    public override string ToString() => Kind == CodeOwnerKind.Email ? Name : "@" + Name;
}

public enum CodeOwnerKind
{
    User,
    Team,
    Email,
}

/// <summary>One pattern line of a CODEOWNERS file; no owners means the line un-owns what it matches.</summary>
public sealed record CodeOwnersLine(int Line, string Pattern, ImmutableArray<CodeOwner> Owners);

/// <summary>Something GitHub would not accept in a CODEOWNERS file, at a 1-based line and column.</summary>
public sealed record CodeOwnersError(int Line, int Column, string Message)
{
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

/// <summary>
/// A CODEOWNERS file read as GitHub reads it (docs: "About code owners"): one <c>pattern owner…</c> per line, blank
/// lines and <c>#</c> comments ignored (also a comment after the owners), gitignore-style patterns
/// (<see cref="PathGlob.CodeOwners"/>), owners as <c>@login</c>, <c>@org/team-slug</c> or an email address; for each
/// path the <b>last</b> matching line decides, and a line with a pattern and no owners leaves what it matches without
/// owners. What GitHub does not support is an error with its line and column, never skipped: <c>!</c> negation,
/// <c>[ ]</c> character ranges, <c>\</c> escapes, the pattern <c>/</c> (matches nothing), an owner that is none of the
/// three forms, a file over 3 MB. Pure: text in, lines and errors out.
/// </summary>
public sealed partial class CodeOwnersFile
{
    /// <summary>GitHub ignores CODEOWNERS files of 3 MB or more.</summary>
    public const int MaxBytes = 3 * 1024 * 1024;

    /// <summary>Where GitHub looks on a branch, in order; the first found is used.</summary>
    public static ImmutableArray<string> Locations { get; } = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

    private readonly PathGlobIndex<CodeOwnersLine> index = new();

    private CodeOwnersFile(ImmutableArray<CodeOwnersLine> lines, ImmutableArray<CodeOwnersError> errors)
    {
        Lines = lines;
        Errors = errors;
        foreach (var line in lines)
        {
            index.Add(PathGlob.CodeOwners(line.Pattern), line);
        }
    }

    public ImmutableArray<CodeOwnersLine> Lines { get; }

    /// <summary>Empty when GitHub would accept the file.</summary>
    public ImmutableArray<CodeOwnersError> Errors { get; }

    public bool IsValid => Errors.IsEmpty;

    /// <summary>The line that decides who owns <paramref name="path"/> (the last that matches), or null when none matches.</summary>
    public CodeOwnersLine? Find(string path) => index.TryFindLast(path, out var line) ? line : null;

    /// <summary>
    /// <see cref="Parse"/>, remembering the last few texts: a repository's CODEOWNERS is the same for every evaluation
    /// until it changes, and a parsed file is immutable, so the same text always gives the same file.
    /// </summary>
    public static CodeOwnersFile ParseCached(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Parsed.TryGetValue(text, out var file))
        {
            return file;
        }

        if (Parsed.Count >= MaxCached)
        {
            Parsed.Clear();
        }

        return Parsed[text] = Parse(text);
    }

    private const int MaxCached = 64;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, CodeOwnersFile> Parsed = new(StringComparer.Ordinal);

    public static CodeOwnersFile Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (System.Text.Encoding.UTF8.GetByteCount(text) >= MaxBytes)
        {
            return new CodeOwnersFile([], [new CodeOwnersError(1, 1, $"the file is {MaxBytes / (1024 * 1024)} MB or larger; GitHub ignores such CODEOWNERS files")]);
        }

        var lines = ImmutableArray.CreateBuilder<CodeOwnersLine>();
        var errors = ImmutableArray.CreateBuilder<CodeOwnersError>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            var fields = Fields(line).ToList();
            if (fields.Count == 0 || fields[0].Text.StartsWith('#'))
            {
                continue;
            }

            var (pattern, column) = fields[0];
            var problem = pattern switch
            {
                _ when pattern.StartsWith('!') => "'!' (negation) is not supported in CODEOWNERS; write the lines so the last match gives the owners you want",
                _ when pattern.Contains('[', StringComparison.Ordinal) || pattern.Contains(']', StringComparison.Ordinal) => "'[ ]' character ranges are not supported in CODEOWNERS; write one line per name",
                _ when pattern.Contains('\\', StringComparison.Ordinal) => "'\\' escapes are not supported in CODEOWNERS",
                "/" => "the pattern '/' never matches anything; write '*' for every file",
                _ => null,
            };
            if (problem is not null)
            {
                errors.Add(new CodeOwnersError(number, column, problem));
                continue;
            }

            var owners = ImmutableArray.CreateBuilder<CodeOwner>();
            foreach (var (owner, at) in fields.Skip(1))
            {
                if (owner.StartsWith('#'))
                {
                    break; // a comment after the owners
                }

                if (ParseOwner(owner) is { } parsed)
                {
                    owners.Add(parsed);
                }
                else
                {
                    errors.Add(new CodeOwnersError(number, at, $"'{owner}' is not an owner: write @login, @org/team-slug or an email address"));
                }
            }

            lines.Add(new CodeOwnersLine(number, pattern, owners.ToImmutable()));
        }

        return new CodeOwnersFile(lines.ToImmutable(), errors.ToImmutable());
    }

    private static CodeOwner? ParseOwner(string text)
    {
        if (text.StartsWith('@'))
        {
            var name = text[1..];
            return TeamPattern().IsMatch(name) ? new CodeOwner(CodeOwnerKind.Team, name)
                : LoginPattern().IsMatch(name) ? new CodeOwner(CodeOwnerKind.User, name)
                : null;
        }

        return EmailPattern().IsMatch(text) ? new CodeOwner(CodeOwnerKind.Email, text) : null;
    }

    /// <summary>The whitespace-separated fields of a line, each with its 1-based column.</summary>
    private static IEnumerable<(string Text, int Column)> Fields(string line)
    {
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
            {
                i++;
            }

            var start = i;
            while (i < line.Length && line[i] != ' ' && line[i] != '\t')
            {
                i++;
            }

            if (i > start)
            {
                yield return (line[start..i], start + 1);
            }
        }
    }

    [GeneratedRegex(@"^(?=[A-Za-z0-9-]{1,39}$)[A-Za-z0-9](?:-?[A-Za-z0-9])*$", RegexOptions.CultureInvariant)]
    private static partial Regex LoginPattern();

    [GeneratedRegex(@"^(?=[A-Za-z0-9-]{1,39}/)[A-Za-z0-9](?:-?[A-Za-z0-9])*/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex TeamPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();
}

using System.Buffers;
using System.Text.RegularExpressions;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>The text forms list entries of a policy file must have; each parser returns null or what is wrong.</summary>
internal static partial class PolicyValueSyntax
{
    private static readonly SearchValues<char> ForbiddenInBranch = SearchValues.Create(" \t~^:?[\\");

    /// <summary>Case-insensitive, as GitHub treats logins and team names.</summary>
    public static StringComparer NameComparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>Git branch names are case-sensitive.</summary>
    public static StringComparer BranchComparer => StringComparer.Ordinal;

    /// <summary>Names of <see cref="SignatureKind"/> as written in a policy file.</summary>
    public static IReadOnlyList<string> SignatureKindNames { get; } = ["gpg", "ssh", "smime"];

    public static string Name(SignatureKind kind) => kind switch
    {
        SignatureKind.Gpg => "gpg",
        SignatureKind.Ssh => "ssh",
        SignatureKind.Smime => "smime",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>A GitHub login (<c>alice</c>, <c>release-bot[bot]</c>).</summary>
    public static string? Login(string text, out string value)
    {
        value = text;
        if (text.StartsWith('@') && LoginPattern().IsMatch(text[1..]))
        {
            return $"'{text}': write GitHub logins without '@' ({text[1..]})";
        }

        return LoginPattern().IsMatch(text)
            ? null
            : $"'{text}' is not a GitHub login (letters, digits and single hyphens, at most 39 characters)";
    }

    /// <summary>A team as <c>org/team-slug</c>.</summary>
    public static string? Team(string text, out string value)
    {
        value = text;
        if (TeamPattern().IsMatch(text))
        {
            return null;
        }

        if (text.StartsWith('@') && TeamPattern().IsMatch(text[1..]))
        {
            return $"'{text}': write teams without '@' ({text[1..]})";
        }

        return LoginPattern().IsMatch(text)
            ? $"'{text}' must name its organisation too: write org/team-slug, e.g. octo-org/{text}"
            : $"'{text}' is not a team; write org/team-slug, e.g. octo-org/payments-reviewers";
    }

    /// <summary>A base-branch pattern: <c>$default</c>, a branch name, or a name with <c>*</c>/<c>**</c> wildcards.</summary>
    public static string? Branch(string text, out string value)
    {
        value = text;
        if (text == FinGuardPolicy.DefaultBranchToken)
        {
            return null;
        }

        if (text.StartsWith('$'))
        {
            return $"'{text}' is not a branch pattern; the only token is {FinGuardPolicy.DefaultBranchToken} (the repository's default branch)";
        }

        if (text.StartsWith("refs/heads/", StringComparison.Ordinal))
        {
            return $"'{text}': write the branch name without refs/heads/ ({text["refs/heads/".Length..]})";
        }

        if (text.Length == 0 || text.Length > 255 || text.AsSpan().ContainsAny(ForbiddenInBranch) || text.Any(char.IsControl)
            || text.StartsWith('/') || text.EndsWith('/') || text.StartsWith('-') || text.Contains("..", StringComparison.Ordinal)
            || text.Contains("//", StringComparison.Ordinal))
        {
            return $"'{text}' is not a branch name or pattern (only * and ** are wildcards; spaces, ~ ^ : ? [ \\ and '..' cannot appear in branch names)";
        }

        return null;
    }

    /// <summary><c>gpg</c>, <c>ssh</c> or <c>smime</c>.</summary>
    public static string? Kind(string text, out SignatureKind value)
    {
        value = default;
        switch (text)
        {
            case "gpg":
                value = SignatureKind.Gpg;
                return null;
            case "ssh":
                value = SignatureKind.Ssh;
                return null;
            case "smime":
                value = SignatureKind.Smime;
                return null;
        }

        var suggestion = text.ToLowerInvariant() switch
        {
            "pgp" or "openpgp" or "gnupg" => "gpg",
            "x509" or "x.509" or "s/mime" => "smime",
            _ => NearestName.Find(text, SignatureKindNames),
        };
        var hint = suggestion is null ? string.Empty : $"did you mean '{suggestion}'? ";
        return $"unknown signature kind '{text}' ({hint}allowed: {string.Join(", ", SignatureKindNames)})";
    }

    // GitHub logins: alphanumerics and single inner hyphens, 1–39 characters; GitHub App bots end in [bot].
    [GeneratedRegex(@"^(?=[A-Za-z0-9-]{1,39}(?:\[bot\])?$)[A-Za-z0-9](?:-?[A-Za-z0-9])*(?:\[bot\])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LoginPattern();

    // org/team-slug: slugs are lower-case letters, digits, '-', '_' and '.'; GitHub compares them case-insensitively.
    [GeneratedRegex(@"^(?=[A-Za-z0-9-]{1,39}/)[A-Za-z0-9](?:-?[A-Za-z0-9])*/[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex TeamPattern();
}

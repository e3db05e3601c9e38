using System.Text;
using System.Text.RegularExpressions;

namespace FinGuard.Testing.FakeGitHub;

/// <summary>
/// A GitHub-style path template such as <c>/repos/{owner}/{repo}/pulls/{pull_number}/commits</c>, matched
/// against concrete paths. A <c>{name}</c> placeholder matches one non-empty segment (or part of one, as in
/// <c>{base}...{head}</c>), except the parameters GitHub documents as able to contain slashes
/// (<c>{ref}</c> as in <c>heads/main</c>, <c>{path}</c>, <c>{branch}</c>, <c>{basehead}</c>, <c>{dir}</c>),
/// which match one or more segments.
/// </summary>
internal sealed partial class PathTemplate
{
    private static readonly HashSet<string> MultiSegmentParameters = new(StringComparer.Ordinal)
    {
        "ref", "path", "branch", "basehead", "dir",
    };

    private readonly Regex _regex;
    private readonly string[] _parameterNames;

    private readonly string _head;
    private readonly string _tail;

    private PathTemplate(string template, Regex regex, string[] parameterNames, int literalLength, string head, string tail)
    {
        _head = head;
        _tail = tail;
        Template = template;
        _regex = regex;
        _parameterNames = parameterNames;
        LiteralLength = literalLength;
    }

    public string Template { get; }

    /// <summary>Characters of literal text; when several templates match a path the most literal one is the best.</summary>
    public int LiteralLength { get; }

    public int ParameterCount => _parameterNames.Length;

    public static PathTemplate Parse(string template)
    {
        ArgumentException.ThrowIfNullOrEmpty(template);
        var pattern = new StringBuilder("^");
        var names = new List<string>();
        var literalLength = 0;
        var position = 0;
        foreach (Match placeholder in PlaceholderRegex().Matches(template))
        {
            var literal = template[position..placeholder.Index];
            pattern.Append(Regex.Escape(literal));
            literalLength += literal.Length;
            var name = placeholder.Groups[1].Value;
            names.Add(name);
            pattern.Append(MultiSegmentParameters.Contains(name) ? "([^/]+(?:/[^/]+)*)" : "([^/]+?)");
            position = placeholder.Index + placeholder.Length;
        }

        var tail = template[position..];
        pattern.Append(Regex.Escape(tail)).Append('$');
        literalLength += tail.Length;
        var regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var head = names.Count == 0 ? template : template[..template.IndexOf('{', StringComparison.Ordinal)];
        return new PathTemplate(template, regex, [.. names], literalLength, head, names.Count == 0 ? template : tail);
    }

    public bool TryMatch(string path, out IReadOnlyDictionary<string, string> values)
    {
        var match = _regex.Match(path);
        if (!match.Success)
        {
            values = EmptyValues;
            return false;
        }

        var result = new Dictionary<string, string>(_parameterNames.Length, StringComparer.Ordinal);
        for (var i = 0; i < _parameterNames.Length; i++)
        {
            result[_parameterNames[i]] = match.Groups[i + 1].Value;
        }

        values = result;
        return true;
    }

    /// <summary>
    /// Whether the path matches. The literal text before the first placeholder and after the last must begin and end
    /// it, checked before the regex: the fake matches every request against GitHub's ~1,000 path templates, and this
    /// leaves the regex only the few candidates that could match.
    /// </summary>
    public bool IsMatch(string path) =>
        path.StartsWith(_head, StringComparison.Ordinal) && path.EndsWith(_tail, StringComparison.Ordinal) && _regex.IsMatch(path);

    public override string ToString() => Template;

    internal static readonly IReadOnlyDictionary<string, string> EmptyValues = new Dictionary<string, string>(0, StringComparer.Ordinal);

    /// <summary>Orders matches best first: more literal text, then fewer parameters.</summary>
    internal static int CompareSpecificity(PathTemplate x, PathTemplate y)
    {
        var byLiteral = y.LiteralLength.CompareTo(x.LiteralLength);
        return byLiteral != 0 ? byLiteral : x.ParameterCount.CompareTo(y.ParameterCount);
    }

    [GeneratedRegex(@"\{([^{}/]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();
}

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// One thing wrong with a policy file, at a 1-based line and column of that file. <see cref="Message"/> starts with
/// the key path it concerns (<c>separation-of-duties.required-approvals: …</c>) and says what to write instead.
/// </summary>
public sealed record PolicyProblem(int Line, int Column, string Message)
{
    /// <summary><c>LINE:COL: message</c>, the form compilers use (prefix it with the file name).</summary>
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

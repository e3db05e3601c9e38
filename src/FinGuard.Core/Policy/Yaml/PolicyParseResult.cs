using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// What <see cref="PolicyFileParser"/> made of a file: either a <see cref="Document"/> and no problems, or the
/// problems (ordered by position) and no document. A file with any problem is not used in part.
/// </summary>
public sealed record PolicyParseResult
{
    public required ImmutableArray<PolicyProblem> Problems { get; init; }

    public PolicyDocument? Document { get; init; }

    [MemberNotNullWhen(true, nameof(Document))]
    public bool IsValid => Document is not null;
}

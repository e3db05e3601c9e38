using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// Combines a repository's setting with the value of a section the organisation enforces, so that the result is
/// never weaker than the organisation's. Every attempt to weaken is recorded as a problem at the repository
/// setting's position, naming what was asked, what the organisation enforces and what is used.
/// </summary>
internal sealed class EnforcedMerge(string section, List<PolicyProblem> problems)
{
    /// <summary>
    /// Resolves one section: the defaults, then the organisation's section (<paramref name="apply"/>). Unless the
    /// organisation enforces it, the repository's section then overrides setting by setting (<paramref name="apply"/>
    /// again); if it does, the repository may only strengthen it, as <paramref name="strengthen"/> decides with a merge
    /// that reports every weaker setting under <paramref name="section"/>.
    /// </summary>
    public static TPolicy Resolve<TPolicy, TSection>(
        string section,
        TPolicy defaults,
        TSection? organisation,
        TSection? repository,
        List<PolicyProblem> problems,
        Func<TPolicy, TSection?, TPolicy> apply,
        Func<TPolicy, TSection, EnforcedMerge, TPolicy> strengthen)
        where TSection : PolicySection
    {
        ArgumentNullException.ThrowIfNull(apply);
        ArgumentNullException.ThrowIfNull(strengthen);
        var policy = apply(defaults, organisation);
        if (organisation is not { IsEnforced: true })
        {
            return apply(policy, repository);
        }

        return repository is null ? policy : strengthen(policy, repository, new EnforcedMerge(section, problems));
    }

    /// <summary>A switch where <paramref name="stronger"/> is the strict value: either side asking for it wins.</summary>
    public bool Flag(string key, bool enforced, PolicySetting<bool>? repository, bool stronger)
    {
        if (repository is null || repository.Value == enforced || repository.Value == stronger)
        {
            return repository?.Value == stronger ? stronger : enforced;
        }

        Weaker(repository, key, Format(repository.Value), Format(enforced), Format(enforced));
        return enforced;
    }

    /// <summary>
    /// Named entries (freeze windows, approval rules) under an enforced section: the organisation's always apply and the
    /// repository's are added. One with an organisation entry's name and the same content adds nothing; with other
    /// content it is kept beside it and reported (<paramref name="clash"/> words the problem from the name).
    /// </summary>
    public static ImmutableArray<T> AddNamed<T>(
        ImmutableArray<T> enforced, PolicySetting<ImmutableArray<PolicySetting<T>>>? repository, Func<T, string> name, Func<T, T, bool> same, Func<string, string> clash, List<PolicyProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(same);
        ArgumentNullException.ThrowIfNull(clash);
        ArgumentNullException.ThrowIfNull(problems);
        if (repository is null)
        {
            return enforced;
        }

        var result = enforced.ToBuilder();
        foreach (var added in repository.Value)
        {
            var sameName = enforced.FirstOrDefault(e => string.Equals(name(e), name(added.Value), StringComparison.OrdinalIgnoreCase));
            if (sameName is not null && same(sameName, added.Value))
            {
                continue;
            }

            if (sameName is not null)
            {
                problems.Add(new PolicyProblem(added.Line, added.Column, clash(name(added.Value))));
            }

            result.Add(added.Value);
        }

        return result.ToImmutable();
    }

    /// <summary>A minimum: the larger of the two.</summary>
    public int AtLeast(string key, int enforced, PolicySetting<int>? repository)
    {
        if (repository is null || repository.Value >= enforced)
        {
            return repository?.Value ?? enforced;
        }

        Weaker(repository, key, Format(repository.Value), Format(enforced), Format(enforced));
        return enforced;
    }

    /// <summary>
    /// A maximum (a severity threshold, a duration): the smaller of the two. A larger repository value is reported as
    /// weaker, <paramref name="why"/> saying what that means for this setting (e.g. "higher").
    /// </summary>
    public T AtMost<T>(string key, T enforced, PolicySetting<T>? repository, Func<T, string> format, string why)
    {
        ArgumentNullException.ThrowIfNull(format);
        if (repository is null || Comparer<T>.Default.Compare(repository.Value, enforced) <= 0)
        {
            return repository is null ? enforced : repository.Value;
        }

        Report(repository, key, $"{format(repository.Value)} is weaker ({why}) than the organisation's enforced {format(enforced)}; using {format(enforced)}");
        return enforced;
    }

    /// <summary>
    /// A list of what is allowed, never empty (<c>allowed-kinds</c>): the intersection. Entries the organisation does
    /// not allow are reported; an empty intersection is reported and the organisation's list is used.
    /// </summary>
    public ImmutableArray<T> Intersection<T>(string key, ImmutableArray<T> enforced, PolicySetting<ImmutableArray<T>>? repository, IEqualityComparer<T> comparer, Func<T, string> name)
    {
        if (repository is null)
        {
            return enforced;
        }

        var common = enforced.Where(e => repository.Value.Contains(e, comparer)).ToImmutableArray();
        if (common.IsEmpty)
        {
            Report(repository, key, $"{Format(repository.Value, name)} has nothing in common with the organisation's enforced {Format(enforced, name)}; using {Format(enforced, name)}");
            return enforced;
        }

        var extra = repository.Value.Where(r => !enforced.Contains(r, comparer)).ToImmutableArray();
        if (!extra.IsEmpty)
        {
            Report(repository, key, $"{string.Join(", ", extra.Select(name))} {(extra.Length == 1 ? "is" : "are")} not allowed by the organisation's enforced {Format(enforced, name)}; using {Format(common, name)}");
        }

        return common;
    }

    /// <summary>
    /// A restriction where an empty list means "anyone" (<c>allowed-signers</c>): the organisation's list when the
    /// repository's is empty, the repository's when the organisation's is, else their intersection (an empty
    /// intersection is reported and the organisation's list is used).
    /// </summary>
    public ImmutableArray<string> Restriction(string key, ImmutableArray<string> enforced, PolicySetting<ImmutableArray<string>>? repository, string anyone)
    {
        if (repository is null)
        {
            return enforced;
        }

        if (enforced.IsEmpty)
        {
            return repository.Value;
        }

        if (repository.Value.IsEmpty)
        {
            Weaker(repository, key, $"[] (any {anyone})", Format(enforced), Format(enforced));
            return enforced;
        }

        return Intersection(key, enforced, repository, PolicyValueSyntax.NameComparer, n => n);
    }

    /// <summary>
    /// A restriction where an empty list means "anyone" and a repository may only narrow it (<c>approver-teams</c>):
    /// the repository's list when the organisation's is empty or it is a non-empty subset of the organisation's,
    /// else the organisation's (reported).
    /// </summary>
    public ImmutableArray<string> Subset(string key, ImmutableArray<string> enforced, PolicySetting<ImmutableArray<string>>? repository, string anyone)
    {
        if (repository is null)
        {
            return enforced;
        }

        if (enforced.IsEmpty)
        {
            return repository.Value;
        }

        if (repository.Value.IsEmpty)
        {
            Weaker(repository, key, $"[] (any {anyone})", Format(enforced), Format(enforced));
            return enforced;
        }

        var outside = repository.Value.Where(r => !enforced.Contains(r, PolicyValueSyntax.NameComparer)).ToImmutableArray();
        if (outside.IsEmpty)
        {
            return repository.Value;
        }

        Report(repository, key, $"{string.Join(", ", outside)} {(outside.Length == 1 ? "is" : "are")} not among the organisation's enforced {Format(enforced)}; using {Format(enforced)}");
        return enforced;
    }

    /// <summary>A list that only adds (<c>exclude-approvers</c>): the union, the organisation's entries first.</summary>
    public static ImmutableArray<string> Union(ImmutableArray<string> enforced, PolicySetting<ImmutableArray<string>>? repository, IEqualityComparer<string> comparer) =>
        repository is null ? enforced : enforced.Concat(repository.Value).Distinct(comparer).ToImmutableArray();

    public static string Format(bool value) => value ? "true" : "false";

    public static string Format(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Format(ImmutableArray<string> values) => Format(values, v => v);

    public static string Format<T>(ImmutableArray<T> values, Func<T, string> name) => $"[{string.Join(", ", values.Select(name))}]";

    private void Weaker<T>(PolicySetting<T> repository, string key, string asked, string enforced, string used) =>
        Report(repository, key, $"{asked} is weaker than the organisation's enforced {enforced}; using {used}");

    private void Report<T>(PolicySetting<T> repository, string key, string message) =>
        problems.Add(new PolicyProblem(repository.Line, repository.Column, $"{section}.{key}: {message}"));
}

using System.Collections.Concurrent;

namespace FinGuard.GitHub.Checks;

/// <summary>
/// The id of the FinGuard check run this process last published for each repository and head SHA, so the next
/// publish updates it without listing the commit's check runs first. Only a shortcut: on a miss (a restart, another
/// instance, an evicted entry) the publisher looks the run up by its <c>external_id</c> as before. Bounded: past
/// <see cref="Capacity"/> entries it starts over.
/// </summary>
public sealed class CheckRunIds
{
    public const int Capacity = 20_000;

    private readonly ConcurrentDictionary<(string Repository, string HeadSha), long> ids = new();

    public bool TryGet(string repository, string headSha, out long id) => ids.TryGetValue(Key(repository, headSha), out id);

    public void Remember(string repository, string headSha, long id)
    {
        if (ids.Count >= Capacity)
        {
            ids.Clear();
        }

        ids[Key(repository, headSha)] = id;
    }

    public void Forget(string repository, string headSha) => ids.TryRemove(Key(repository, headSha), out _);

    private static (string, string) Key(string repository, string headSha) =>
        (repository.ToLowerInvariant(), headSha.ToLowerInvariant());
}

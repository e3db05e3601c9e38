using System.Text.Json.Nodes;

namespace FinGuard.Testing.Fuzzing;

/// <summary>
/// Structural JSON mutation for fuzz tests: replaces random nodes with values of other types (null, numbers, empty
/// and odd strings, impossible dates, empty and mixed arrays and objects), removes properties, or swaps in a 5,000-item
/// array. Driven by the caller's seeded <see cref="Random"/>, so a failing input reproduces.
/// </summary>
public static class JsonMutator
{
    private static readonly JsonNode?[] Replacements =
    [
        null, JsonValue.Create(0), JsonValue.Create(-1), JsonValue.Create(1e300), JsonValue.Create(""), JsonValue.Create("x"),
        JsonValue.Create(true), new JsonArray(), new JsonObject(), JsonValue.Create("2026-13-45T99:99:99Z"),
        new JsonArray(JsonValue.Create(1), JsonValue.Create("a")), new JsonObject { ["login"] = 5 },
    ];

    /// <summary>Replaces, removes or blows up <paramref name="edits"/> random nodes (document order) of a copy.</summary>
    public static JsonNode? Mutate(JsonNode? original, Random random, int edits)
    {
        var root = original?.DeepClone();
        for (var e = 0; e < edits && root is not null; e++)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var node = nodes[random.Next(nodes.Count)];
            if (node.Parent is null)
            {
                root = random.Next(2) == 0 ? new JsonArray() : Replacement(random);
                continue;
            }

            var replacement = random.Next(10) == 0
                ? new JsonArray([.. Enumerable.Range(0, 5000).Select(i => (JsonNode?)JsonValue.Create(i))])
                : Replacement(random);
            switch (node.Parent)
            {
                case JsonObject parent:
                    var name = node.GetPropertyName();
                    if (random.Next(4) == 0)
                    {
                        parent.Remove(name);
                    }
                    else
                    {
                        parent[name] = replacement;
                    }

                    break;
                case JsonArray array:
                    array[node.GetElementIndex()] = replacement;
                    break;
            }
        }

        return root;
    }

    private static JsonNode? Replacement(Random random) => Replacements[random.Next(Replacements.Length)]?.DeepClone();

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Collect(child, nodes);
                    }
                }

                break;
        }
    }
}

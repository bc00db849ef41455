// Two versions of the same Avro records, for schema resolution: each pair has the same record names (in different
// namespaces, which resolution ignores) and differs as a type evolves.

namespace KafkaTyped.Generators.Tests.Messages.Evolution.V1
{
    public enum Tier
    {
        Bronze,
        Silver,
        Gold,
    }

    [KafkaData]
    public partial record Address(string Street, string City)
    {
        public string? Country { get; init; }
    }

    /// <summary>The older customer: narrower numbers, a member the newer one dropped, a nullable member the newer one requires.</summary>
    [KafkaData]
    public partial record Customer(string Name, int Age, float Score, int Visits, string Tag, byte[] Blob, Tier Tier, Address Home)
    {
        public string? Nickname { get; init; }

        public List<Address> Previous { get; init; } = [];

        public Dictionary<string, Address> ByLabel { get; init; } = [];

        public int? Rating { get; init; }

        public string Referrer { get; init; } = "";

        public string? Campaign { get; init; }
    }

    /// <summary>Read by both versions: members added and removed are nullable, so each side defaults what it lacks.</summary>
    [KafkaData]
    public partial record Order(string Id, int Quantity, Tier Tier)
    {
        public string? Note { get; init; }

        public List<Address> Lines { get; init; } = [];
    }

    /// <summary>The older measurement, with the wider numbers the newer one narrowed.</summary>
    [KafkaData]
    public partial record Measurement(long Count, double Ratio, double Mean, byte[] Payload, string Label);

    /// <summary>A customer whose new member has no default: older bodies cannot be read as it.</summary>
    [KafkaData]
    public partial record Account(string Name);

    /// <summary>The older member: renamed (with its field and enum) in the newer version, which lists the old names as aliases.</summary>
    [KafkaData]
    public partial record Member(string Handle, int Level, Plan Plan);

    public enum Plan
    {
        Free,
        Paid,
    }

    /// <summary>The older settings: the newer ones add fields with defaults that are not null.</summary>
    [KafkaData]
    public partial record Settings(string Name);
}

namespace KafkaTyped.Generators.Tests.Messages.Evolution.V2
{
    public enum Tier
    {
        Bronze,
        Silver,
        Gold,
        Platinum,
    }

    [KafkaData]
    public partial record Address(string Street, string City)
    {
        public string? Zip { get; init; }
    }

    /// <summary>The newer customer: int to long, float to double, int to double, string to bytes and back, a member added, one removed, unions changed.</summary>
    [KafkaData]
    public partial record Customer(string Name, long Age, double Score, double Visits, byte[] Tag, string Blob, Tier Tier, Address Home)
    {
        public string? Email { get; init; }

        public List<Address> Previous { get; init; } = [];

        public Dictionary<string, Address> ByLabel { get; init; } = [];

        public long? Rating { get; init; }

        public string? Referrer { get; init; }

        public string Campaign { get; init; } = "";
    }

    [KafkaData]
    public partial record Order(string Id, int Quantity, Tier Tier)
    {
        public string? Coupon { get; init; }

        public List<Address> Lines { get; init; } = [];
    }

    /// <summary>The newer measurement, narrowed: an older reader promotes it.</summary>
    [KafkaData]
    public partial record Measurement(int Count, float Ratio, long Mean, string Payload, byte[] Label);

    [KafkaData]
    public partial record Account(string Name, string Email);

    /// <summary>The member renamed: the record, a field and an enum, each listing its older name as an alias.</summary>
    [KafkaData]
    [AvroAlias("KafkaTyped.Generators.Tests.Messages.Evolution.V1.Member")]
    public partial record Subscriber([property: AvroAlias("handle")] string Login, int Level, Subscription Plan);

    [AvroAlias("KafkaTyped.Generators.Tests.Messages.Evolution.V1.Plan")]
    public enum Subscription
    {
        Free,
        Paid,
    }

    /// <summary>The newer settings: fields added with defaults of every kind that can declare one.</summary>
    [KafkaData]
    public partial record Settings(string Name, [AvroDefault(3)] int Retries)
    {
        [AvroDefault("none")]
        public string Mode { get; init; } = "none";

        [AvroDefault(Tier.Gold)]
        public Tier Level { get; init; } = Tier.Gold;

        [AvroDefault(true)]
        public bool Enabled { get; init; } = true;

        [AvroDefault(-2L)]
        public long Offset { get; init; } = -2;

        [AvroDefault(0.25)]
        public double Ratio { get; init; } = 0.25;

        [AvroDefault("Silver")]
        public Tier Fallback { get; init; } = Tier.Silver;
    }

    /// <summary>Read only by the test that counts how often a plan is built.</summary>
    [KafkaData]
    public partial record Counted(string Name)
    {
        public string? Added { get; init; }
    }
}

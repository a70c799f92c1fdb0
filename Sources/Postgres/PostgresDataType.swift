/// A PostgreSQL data type, identified by its OID (`pg_type.oid`).
///
/// Only the built-in types this package encodes or decodes have names here;
/// any other OID is still representable (for example a user-defined enum).
public struct PostgresDataType: Sendable, Hashable, CustomStringConvertible {
    /// The type's OID as PostgreSQL reports it.
    public let oid: UInt32

    /// Wraps a raw type OID.
    public init(oid: UInt32) {
        self.oid = oid
    }

    /// Lets the server infer the type (used for `NULL` parameters).
    public static let unspecified = PostgresDataType(oid: 0)
    public static let bool = PostgresDataType(oid: 16)
    public static let bytea = PostgresDataType(oid: 17)
    public static let name = PostgresDataType(oid: 19)
    public static let int8 = PostgresDataType(oid: 20)
    public static let int2 = PostgresDataType(oid: 21)
    public static let int4 = PostgresDataType(oid: 23)
    public static let text = PostgresDataType(oid: 25)
    public static let oidType = PostgresDataType(oid: 26)
    public static let json = PostgresDataType(oid: 114)
    public static let float4 = PostgresDataType(oid: 700)
    public static let float8 = PostgresDataType(oid: 701)
    public static let unknown = PostgresDataType(oid: 705)
    public static let boolArray = PostgresDataType(oid: 1000)
    public static let byteaArray = PostgresDataType(oid: 1001)
    public static let int2Array = PostgresDataType(oid: 1005)
    public static let int4Array = PostgresDataType(oid: 1007)
    public static let textArray = PostgresDataType(oid: 1009)
    public static let bpcharArray = PostgresDataType(oid: 1014)
    public static let varcharArray = PostgresDataType(oid: 1015)
    public static let int8Array = PostgresDataType(oid: 1016)
    public static let float4Array = PostgresDataType(oid: 1021)
    public static let float8Array = PostgresDataType(oid: 1022)
    public static let bpchar = PostgresDataType(oid: 1042)
    public static let varchar = PostgresDataType(oid: 1043)
    public static let date = PostgresDataType(oid: 1082)
    public static let timestamp = PostgresDataType(oid: 1114)
    public static let timestampArray = PostgresDataType(oid: 1115)
    public static let dateArray = PostgresDataType(oid: 1182)
    public static let timestamptz = PostgresDataType(oid: 1184)
    public static let timestamptzArray = PostgresDataType(oid: 1185)
    public static let numeric = PostgresDataType(oid: 1700)
    public static let uuid = PostgresDataType(oid: 2950)
    public static let uuidArray = PostgresDataType(oid: 2951)
    public static let jsonb = PostgresDataType(oid: 3802)

    /// The type of a one-dimensional array of this type, for the scalars this package encodes.
    public var arrayType: PostgresDataType? {
        Self.arrayTypes[oid]
    }

    private static let arrayTypes: [UInt32: PostgresDataType] = [
        bool.oid: boolArray, bytea.oid: byteaArray, int2.oid: int2Array, int4.oid: int4Array, int8.oid: int8Array,
        text.oid: textArray, float8.oid: float8Array, date.oid: dateArray, timestamptz.oid: timestamptzArray,
        uuid.oid: uuidArray,
    ]

    /// The SQL name for built-in types, `oid <n>` otherwise.
    public var description: String {
        Self.names[oid] ?? "oid \(oid)"
    }

    private static let names: [UInt32: String] = [
        0: "unspecified", 16: "boolean", 17: "bytea", 19: "name", 20: "bigint", 21: "smallint",
        23: "integer", 25: "text", 26: "oid", 114: "json", 700: "real", 701: "double precision",
        705: "unknown", 1000: "boolean[]", 1001: "bytea[]", 1005: "smallint[]", 1007: "integer[]",
        1009: "text[]", 1014: "character[]", 1015: "character varying[]", 1016: "bigint[]",
        1021: "real[]", 1022: "double precision[]", 1042: "character", 1043: "character varying",
        1082: "date", 1114: "timestamp without time zone", 1115: "timestamp without time zone[]",
        1182: "date[]", 1184: "timestamp with time zone", 1185: "timestamp with time zone[]",
        1700: "numeric", 2950: "uuid", 2951: "uuid[]", 3802: "jsonb",
    ]
}

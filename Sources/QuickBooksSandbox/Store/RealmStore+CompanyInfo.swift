import Foundation

/// `GET /companyinfo/{realmId}`, which clients call to check that a connection works.
extension RealmStore {
    func companyInfo(id: String, now: Date) -> APIAnswer {
        guard id == realmId else {
            return faultAnswer(
                .objectNotFound(
                    "Id", detail: "Object Not Found : CompanyInfo \(id) is not this company's (\(realmId))."), now: now)
        }
        let info: JSONValue = .object([
            "CompanyName": .string(companyName),
            "LegalName": .string(companyName),
            "Country": .string("US"),
            "CompanyStartDate": .string(IntuitTime.calendarDate(createdAt)),
            "FiscalYearStartMonth": .string("January"),
            "SupportedLanguages": .string("en"),
            "DefaultTimeZone": .string(IntuitTime.zone.identifier),
            "Id": .string("1"),
            "SyncToken": .string("0"),
            "MetaData": .object([
                "CreateTime": .string(IntuitTime.metadataTime(createdAt)),
                "LastUpdatedTime": .string(IntuitTime.metadataTime(createdAt)),
            ]),
            "domain": .string("QBO"),
            "sparse": .bool(false),
        ])
        return APIAnswer(status: 200, body: .object(["CompanyInfo": info, "time": Self.time(now)]))
    }
}

/// A Motoko canister that calls the management canister: `raw_rand` (which takes nothing)
/// and `create_canister` (a record, sent as Candid: the wire holds the fields' hashes).
import Principal "mo:core/Principal";

persistent actor Manager {

  type IC = actor {
    raw_rand : () -> async Blob;
    create_canister : ({ settings : ?{ controllers : ?[Principal] } }) -> async {
      canister_id : Principal;
    };
  };

  transient let ic : IC = actor "aaaaa-aa";

  /// How many random bytes the management canister gave.
  public func random() : async Nat {
    (await ic.raw_rand()).size();
  };

  /// A new, empty canister, controlled by this one.
  public func spawn() : async Principal {
    (await ic.create_canister({ settings = null })).canister_id;
  };
};

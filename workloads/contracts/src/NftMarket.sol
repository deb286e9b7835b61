// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";

/// @title NftMarket: fixed-price ERC-721 listings paid in native ETH.
/// @notice `list` escrows the token in the market (the seller must first call
/// `approve(market, id)` or `setApprovalForAll(market, true)` on the NFT contract).
/// Listing ids start at 1; `listingCount` is the id of the latest listing (a shared
/// hotspot: every listing writes it). `buy` requires msg.value == price exactly and
/// forwards it to the seller.
contract NftMarket {
    struct Listing {
        address seller; // slot 0
        uint96 price; //   slot 0
        address nft; //    slot 1
        bool active; //    slot 1
        uint256 tokenId; // slot 2
    }

    uint256 public listingCount;
    mapping(uint256 => Listing) public listings;

    event Listed(uint256 indexed listingId, address indexed seller, address indexed nft, uint256 tokenId, uint256 price);
    event Cancelled(uint256 indexed listingId);
    event Sold(uint256 indexed listingId, address indexed buyer, address indexed seller, uint256 price);

    error PriceTooHigh();
    error NotActive();
    error NotSeller();
    error WrongPrice();
    error PaymentFailed();

    function list(address nft, uint256 id, uint256 price) external returns (uint256 listingId) {
        if (price > type(uint96).max) revert PriceTooHigh();
        IERC721(nft).transferFrom(msg.sender, address(this), id);
        listingId = ++listingCount;
        listings[listingId] =
            Listing({seller: msg.sender, price: uint96(price), nft: nft, active: true, tokenId: id});
        emit Listed(listingId, msg.sender, nft, id, price);
    }

    /// Lists `ids` of `nft` at one price, as consecutive listings from the returned id:
    /// a set-up stocks a market in few transactions.
    function listMany(address nft, uint256[] calldata ids, uint256 price) external returns (uint256 first) {
        if (price > type(uint96).max) revert PriceTooHigh();
        first = listingCount + 1;
        uint256 n = ids.length;
        for (uint256 i = 0; i < n; ++i) {
            uint256 id = ids[i];
            IERC721(nft).transferFrom(msg.sender, address(this), id);
            listings[first + i] = Listing({seller: msg.sender, price: uint96(price), nft: nft, active: true, tokenId: id});
            emit Listed(first + i, msg.sender, nft, id, price);
        }
        listingCount += n;
    }

    function cancel(uint256 listingId) external {
        Listing storage l = listings[listingId];
        if (!l.active) revert NotActive();
        if (l.seller != msg.sender) revert NotSeller();
        l.active = false;
        IERC721(l.nft).transferFrom(address(this), msg.sender, l.tokenId);
        emit Cancelled(listingId);
    }

    function buy(uint256 listingId) external payable {
        Listing storage l = listings[listingId];
        if (!l.active) revert NotActive();
        uint256 price = l.price;
        if (msg.value != price) revert WrongPrice();
        address seller = l.seller;
        l.active = false;
        IERC721(l.nft).transferFrom(address(this), msg.sender, l.tokenId);
        (bool ok,) = seller.call{value: price}("");
        if (!ok) revert PaymentFailed();
        emit Sold(listingId, msg.sender, seller, price);
    }
}

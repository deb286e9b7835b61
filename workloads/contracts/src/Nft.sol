// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./Interfaces.sol";

/// @title Nft: a plain ERC-721 with open minting, minter-role minting of "kinds" and burning.
/// @notice Token ids start at 1 and come from the global counter `totalMinted` (a shared
/// hotspot: every mint writes it). `mint(to)` is open to anyone and creates kind 0;
/// `mintTo(to, kind)` is restricted to minters set by the owner (the deployer), e.g. Game.
/// `burn(id)` may be called by the token's owner, its approved address or an operator
/// approved with setApprovalForAll (this is how Game burns items when crafting).
contract Nft {
    string public name;
    string public symbol;
    address public immutable owner;

    uint256 public totalMinted;
    uint256 public totalBurned;

    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;
    mapping(uint256 => uint256) public kindOf;
    mapping(address => bool) public isMinter;

    event Transfer(address indexed from, address indexed to, uint256 indexed id);
    event Approval(address indexed owner, address indexed approved, uint256 indexed id);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    event MinterSet(address indexed minter, bool allowed);

    error NotOwner();
    error NotMinter();
    error NotAuthorized();
    error ZeroAddress();
    error NonexistentToken();
    error WrongFrom();
    error UnsafeRecipient();

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
        owner = msg.sender;
    }

    // ---------------------------------------------------------------- views

    function ownerOf(uint256 id) public view returns (address o) {
        o = _owners[id];
        if (o == address(0)) revert NonexistentToken();
    }

    function balanceOf(address account) external view returns (uint256) {
        if (account == address(0)) revert ZeroAddress();
        return _balances[account];
    }

    function totalSupply() external view returns (uint256) {
        return totalMinted - totalBurned;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x80ac58cd; // ERC-721
    }

    // ---------------------------------------------------------------- roles

    function setMinter(address minter, bool allowed) external {
        if (msg.sender != owner) revert NotOwner();
        isMinter[minter] = allowed;
        emit MinterSet(minter, allowed);
    }

    // ---------------------------------------------------------------- approvals

    function approve(address spender, uint256 id) external {
        address o = ownerOf(id);
        if (msg.sender != o && !isApprovedForAll[o][msg.sender]) revert NotAuthorized();
        getApproved[id] = spender;
        emit Approval(o, spender, id);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function _isAuthorized(address o, address spender, uint256 id) private view returns (bool) {
        return spender == o || isApprovedForAll[o][spender] || getApproved[id] == spender;
    }

    // ---------------------------------------------------------------- transfers

    function transferFrom(address from, address to, uint256 id) public {
        address o = ownerOf(id);
        if (o != from) revert WrongFrom();
        if (to == address(0)) revert ZeroAddress();
        if (!_isAuthorized(o, msg.sender, id)) revert NotAuthorized();
        unchecked {
            _balances[from]--;
            _balances[to]++;
        }
        _owners[id] = to;
        delete getApproved[id];
        emit Transfer(from, to, id);
    }

    function safeTransferFrom(address from, address to, uint256 id) external {
        safeTransferFrom(from, to, id, "");
    }

    function safeTransferFrom(address from, address to, uint256 id, bytes memory data) public {
        transferFrom(from, to, id);
        _checkReceiver(from, to, id, data);
    }

    function _checkReceiver(address from, address to, uint256 id, bytes memory data) private {
        if (to.code.length != 0) {
            try IERC721Receiver(to).onERC721Received(msg.sender, from, id, data) returns (bytes4 ret) {
                if (ret != IERC721Receiver.onERC721Received.selector) revert UnsafeRecipient();
            } catch {
                revert UnsafeRecipient();
            }
        }
    }

    // ---------------------------------------------------------------- mint / burn

    /// Open mint of a kind-0 token.
    function mint(address to) external returns (uint256 id) {
        id = _mint(to);
    }

    /// Minter-only mint of a token of the given kind.
    function mintTo(address to, uint256 kind) external returns (uint256 id) {
        if (!isMinter[msg.sender]) revert NotMinter();
        id = _mint(to);
        if (kind != 0) kindOf[id] = kind;
    }

    /// Minter-only: mints ids `first..first+to.length-1` of `kind`, id `first+i` to `to[i]`,
    /// so that a set-up hands out inventory allocated in advance, many items per transaction.
    function mintMany(address[] calldata to, uint256 kind) external returns (uint256 first) {
        if (!isMinter[msg.sender]) revert NotMinter();
        uint256 n = to.length;
        first = totalMinted + 1;
        for (uint256 i = 0; i < n; ++i) {
            address t = to[i];
            if (t == address(0)) revert ZeroAddress();
            uint256 id = first + i;
            _owners[id] = t;
            if (kind != 0) kindOf[id] = kind;
            unchecked {
                _balances[t]++;
            }
            emit Transfer(address(0), t, id);
        }
        totalMinted += n;
    }

    function _mint(address to) private returns (uint256 id) {
        if (to == address(0)) revert ZeroAddress();
        id = ++totalMinted;
        unchecked {
            _balances[to]++;
        }
        _owners[id] = to;
        emit Transfer(address(0), to, id);
    }

    /// Burns `id`; callable by its owner, approved address or operator.
    function burn(uint256 id) external {
        address o = ownerOf(id);
        if (!_isAuthorized(o, msg.sender, id)) revert NotAuthorized();
        unchecked {
            _balances[o]--;
            totalBurned++;
        }
        delete _owners[id];
        delete getApproved[id];
        delete kindOf[id];
        emit Transfer(o, address(0), id);
    }
}

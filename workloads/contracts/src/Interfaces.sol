// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Minimal interfaces shared by the gasbench workload contracts.
/// Interfaces produce no artifacts.

interface IERC20 {
    function totalSupply() external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
    function allowance(address owner, address spender) external view returns (uint256);
    function transfer(address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

interface IMintableERC20 is IERC20 {
    function mint(address to, uint256 amount) external;
}

interface IERC721 {
    function ownerOf(uint256 id) external view returns (address);
    function transferFrom(address from, address to, uint256 id) external;
}

interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 id, bytes calldata data)
        external
        returns (bytes4);
}

interface IGameItems is IERC721 {
    function kindOf(uint256 id) external view returns (uint256);
    function mintTo(address to, uint256 kind) external returns (uint256);
    function burn(uint256 id) external;
}
